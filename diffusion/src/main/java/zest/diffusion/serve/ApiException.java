package zest.diffusion.serve;

/** A request the playground refuses: the HTTP status and a message the page shows as it is. */
public final class ApiException extends RuntimeException {
    private final int status;

    public ApiException(int status, String message) {
        super(message);
        this.status = status;
    }

    public int status() { return status; }

    static ApiException badRequest(String message) { return new ApiException(400, message); }
}
