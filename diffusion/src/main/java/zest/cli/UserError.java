package zest.cli;

/**
 * A problem with what the user asked for or gave us (bad argument, missing or malformed file): reported as one
 * clear message and exit code 2, never a stack trace.
 */
public class UserError extends RuntimeException {
    public UserError(String message) { super(message); }

    public UserError(String message, Throwable cause) { super(message, cause); }
}
