package zest.kernels.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import zest.engine.Tensor;
import zest.engine.device.Backends;
import zest.engine.device.Device;
import zest.kernels.device.CudaContext;

/** The device basics the property suite builds on; skipped with the reason (a JUnit assumption) without a GPU. */
class CudaBackendSmokeTest {

    @BeforeEach
    void needsAGpu() { CudaDevice.assumeAvailable(); }

    @Test
    void valuesSurviveTheRoundTrip() {
        float[] v = {1, -2, 3.5f, Float.NaN, Float.NEGATIVE_INFINITY, 1e-30f};
        Tensor d = Tensor.of(v.clone(), 2, 3).to(CudaDevice.DEVICE);
        assertEquals(CudaDevice.DEVICE, d.device());
        assertArrayEquals(v, d.toFloatArray());
        assertEquals(3.5f, d.get(1, 0));
        assertArrayEquals(new float[] {1, 3.5f, -2, Float.NaN, 3.5f, 1e-30f}, d.transpose(0, 1).toFloatArray(), "a strided view downloads in its order");
        assertArrayEquals(v, d.to(Device.CPU).floats());
    }

    @Test
    void releasedBuffersAreReusedByTheCachingAllocator() throws InterruptedException {
        CudaContext ctx = CudaContext.of(0);
        for (int i = 0; i < 50; i++) Tensor.zeros(1 << 18).to(CudaDevice.DEVICE);
        System.gc();
        Thread.sleep(200);
        assertTrue(ctx.allocator().cachedBytes() > 0, "unreachable tensors' memory comes back to the cache");
    }

    @Test
    void autoPicksTheGpu() {
        Backends.Choice c = Backends.choose("auto");
        assertEquals(CudaDevice.DEVICE, c.device());
        assertEquals(null, c.note());
        assertTrue(Backends.of(Device.Kind.CUDA).describe(CudaDevice.DEVICE).contains("sm_"));
    }
}
