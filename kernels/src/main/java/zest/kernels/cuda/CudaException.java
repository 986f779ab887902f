package zest.kernels.cuda;

/**
 * A failed CUDA, cuBLAS or cuDNN call, or a library that could not be found or lacks a symbol. The message names
 * the call and, for a returned error, the library's own error name and description.
 */
public final class CudaException extends RuntimeException {
    private final String call;
    private final int code;

    public CudaException(String call, int code, String name, String description) {
        super(call + " failed: " + name + " (" + code + ")" + (description == null || description.isEmpty() ? "" : ": " + description));
        this.call = call;
        this.code = code;
    }

    public CudaException(String message) {
        super(message);
        this.call = null;
        this.code = -1;
    }

    public CudaException(String message, Throwable cause) {
        super(message, cause);
        this.call = null;
        this.code = -1;
    }

    /** The native function that failed, or null when the failure is not a returned status. */
    public String call() { return call; }

    /** The status the call returned (CUresult, cublasStatus_t or cudnnStatus_t), -1 when none. */
    public int code() { return code; }
}
