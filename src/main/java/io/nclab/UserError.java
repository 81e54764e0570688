package io.nclab;

/**
 * A mistake of the user's (a bad option, a bad file): the CLI prints its message as one line on
 * stderr and exits with status 2, never with a stack trace. Bugs are any other exception.
 */
public class UserError extends RuntimeException {
    public UserError(String message) {
        super(message);
    }

    public UserError(String message, Throwable cause) {
        super(message, cause);
    }
}
