package zest.kernels.cuda;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;

/** Without a driver nothing may fail before a GPU is asked for, and then with a reason naming what is missing. */
class LazyLoadingTest {

    @Test
    void bindingClassesInitializeWithoutAnyCudaLibrary() {
        for (String c : new String[] {"zest.kernels.cuda.CudaDriver", "zest.kernels.cuda.Cublas", "zest.kernels.cuda.Cudnn",
                "zest.kernels.cuda.CudaLibraries", "zest.kernels.backend.CudaBackend", "zest.kernels.device.CudaContext"})
            assertDoesNotThrow(() -> Class.forName(c, true, getClass().getClassLoader()), c);
    }

    @Test
    void probeReportsAReasonInsteadOfThrowing() {
        String reason = assertDoesNotThrow(CudaLibraries::probe);
        assumeTrue(reason != null, "a CUDA device is present: the no-driver path is not exercised here");
        assertTrue(reason.contains("libcuda") || reason.contains("CUDA"), reason);
        assertEquals(reason, CudaLibraries.probe(), "a second probe gives the same reason");
    }

    @Test
    void aDriverCallWithoutTheDriverThrowsACudaExceptionNamingTheLibrary() {
        assumeTrue(CudaLibraries.probe() != null, "a CUDA device is present");
        CudaException e = assertThrows(CudaException.class, CudaDriver::init);
        assertTrue(e.getMessage().contains("libcuda.so.1"), e.getMessage());
        CudaException again = assertThrows(CudaException.class, CudaDriver::deviceCount);
        assertTrue(again.getMessage().contains("libcuda.so.1"), again.getMessage());
    }

    @Test
    void errorsNameTheCallAndTheStatus() {
        CudaException e = new CudaException("cuMemAlloc_v2(64 bytes)", 2, "CUDA_ERROR_OUT_OF_MEMORY", "out of memory");
        assertEquals("cuMemAlloc_v2(64 bytes) failed: CUDA_ERROR_OUT_OF_MEMORY (2): out of memory", e.getMessage());
        assertEquals(2, e.code());
        assertEquals("CUBLAS_STATUS_NOT_SUPPORTED", Cublas.statusName(15));
    }
}
