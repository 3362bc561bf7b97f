package io.resnet4j.cli;

/**
 * A problem with what the user gave us (a flag, a file, an image): reported as one line on stderr and exit
 * code 2, never with a stack trace. The message says what is wrong, where, and what to do.
 */
public final class UserError extends RuntimeException {
    public UserError(String message) {
        super(message);
    }

    public UserError(String message, Throwable cause) {
        super(message, cause);
    }
}
