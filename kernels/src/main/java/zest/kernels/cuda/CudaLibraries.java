package zest.kernels.cuda;

import java.nio.file.Path;
import java.util.List;

/**
 * Finds and loads the CUDA driver, cuBLAS and cuDNN, each on first use only: on a machine without them nothing
 * fails until a GPU is actually asked for, and {@link #probe()} says why none is usable.
 */
public final class CudaLibraries {
    private CudaLibraries() {}

    public static final List<String> DRIVER = List.of("libcuda.so.1", "libcuda.so");
    /** cuBLAS of CUDA 13, falling back to CUDA 12 (both expose the same v2 and Ex entry points used here). */
    public static final List<String> CUBLAS = List.of("libcublas.so.13", "libcublas.so.12");
    public static final List<String> CUBLAS_LT = List.of("libcublasLt.so.13", "libcublasLt.so.12");
    public static final List<String> CUDNN = List.of("libcudnn.so.9");

    // each holder keeps the loaded library or the failure, so a second call reports the same reason
    private static final class Driver { static final Object RESULT = attempt(() -> load("CUDA driver", DRIVER, null)); }

    private static final class Blas { static final Object RESULT = attempt(CudaLibraries::loadCublas); }

    private static final class Dnn { static final Object RESULT = attempt(CudaLibraries::loadCudnn); }

    public static NativeLibrary driver() { return unwrap(Driver.RESULT); }

    public static NativeLibrary cublas() { return unwrap(Blas.RESULT); }

    public static NativeLibrary cudnn() { return unwrap(Dnn.RESULT); }

    /** cuDNN 9's sub-libraries, in dependency order; the shim dlopens them by name when first needed. */
    static final List<String> CUDNN_PARTS = List.of("libcudnn_graph.so.9", "libcudnn_ops.so.9", "libcudnn_cnn.so.9",
            "libcudnn_adv.so.9", "libcudnn_engines_precompiled.so.9", "libcudnn_engines_runtime_compiled.so.9", "libcudnn_heuristic.so.9");

    private static NativeLibrary loadCudnn() {
        // A pip wheel's folder is on no search path: loading the parts from beside libcudnn.so.9 first lets the
        // shim's dlopen by soname find them already loaded. Best effort: a part that fails here fails later, named.
        Path dnn = LibrarySearchPath.ofProcess().find(CUDNN);
        if (dnn != null)
            for (String part : CUDNN_PARTS) {
                Path f = dnn.resolveSibling(part);
                if (!java.nio.file.Files.isRegularFile(f)) continue;
                try {
                    NativeLibrary.load(part, f);
                } catch (IllegalArgumentException ignored) {
                    // left to the shim, which reports it when the part is needed
                }
            }
        return load("cuDNN 9", CUDNN, dnn);
    }

    private static NativeLibrary loadCublas() {
        // cuBLAS needs cuBLASLt; loading it from the same folder first lets the dynamic linker find it by soname
        Path blas = LibrarySearchPath.ofProcess().find(CUBLAS);
        if (blas != null) {
            int version = Math.max(CUBLAS.indexOf(blas.getFileName().toString()), 0);
            Path lt = blas.resolveSibling(CUBLAS_LT.get(version));
            if (java.nio.file.Files.isRegularFile(lt)) NativeLibrary.load(lt.getFileName().toString(), lt);
        }
        return load("cuBLAS", CUBLAS, blas);
    }

    /**
     * Null when the driver loads and reports at least one device, else the reason in one line (for the
     * {@code --device auto} log line and the skipped tests).
     */
    public static String probe() {
        try {
            NativeLibrary lib = driver();
            CudaDriver.init();
            int n = CudaDriver.deviceCount();
            return n > 0 ? null : "the CUDA driver (" + lib.describe() + ") reports no device";
        } catch (CudaException e) {
            return e.getMessage();
        } catch (LinkageError | RuntimeException e) {
            return "CUDA driver unusable: " + e;
        }
    }

    private static NativeLibrary load(String what, List<String> sonames, Path preferred) {
        LibrarySearchPath path = LibrarySearchPath.ofProcess();
        Path file = preferred != null ? preferred : path.find(sonames);
        if (file != null) return NativeLibrary.load(file.getFileName().toString(), file);
        RuntimeException last = null;
        for (String soname : sonames) {
            try {
                return NativeLibrary.load(soname, null);
            } catch (IllegalArgumentException e) {
                last = e;
            }
        }
        throw new CudaException("no " + what + " library found (" + String.join(", ", sonames) + ") in "
                + path.directories().size() + " folders searched nor on the system search path; set -D"
                + LibrarySearchPath.PROPERTY + " or " + LibrarySearchPath.ENVIRONMENT + " to the folder holding it", last);
    }

    private static Object attempt(java.util.function.Supplier<NativeLibrary> loader) {
        try {
            return loader.get();
        } catch (CudaException e) {
            return e;
        } catch (RuntimeException | LinkageError e) {
            return new CudaException("loading a CUDA library failed: " + e, e);
        }
    }

    private static NativeLibrary unwrap(Object result) {
        if (result instanceof NativeLibrary lib) return lib;
        CudaException failure = (CudaException) result;
        throw new CudaException(failure.getMessage(), failure);
    }
}
