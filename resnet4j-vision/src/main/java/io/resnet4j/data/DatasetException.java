package io.resnet4j.data;

/**
 * A dataset that cannot be found, read or decoded. The message is one line for a user: what is wrong, which
 * file, and what to do about it (the CLI prints it as it is).
 */
public class DatasetException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public DatasetException(String message) {
        super(message);
    }

    public DatasetException(String message, Throwable cause) {
        super(message, cause);
    }
}
