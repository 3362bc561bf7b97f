package io.resnet4j.cli;

/** Thrown by a command whose engine pieces are not in this build yet (exit code 1: not the user's fault). */
final class NotWired extends RuntimeException {
    NotWired(String command, String needs) {
        super("'resnet4j " + command + "' is not available in this build yet: it needs " + needs);
    }
}
