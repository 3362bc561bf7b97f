package io.resnet4j.io;

/** A checkpoint or weights file that cannot be read, written or applied; the message names the file and the fix. */
public final class CheckpointException extends RuntimeException {
    public CheckpointException(String message) {
        super(message);
    }

    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
