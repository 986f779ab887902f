package zest.kernels.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;
import zest.engine.Tensor;
import zest.engine.device.Backends;
import zest.engine.device.Device;

/** --device auto|cpu|cuda[:N] with the CUDA backend on the class path. */
class DeviceChoiceTest {

    @Test
    void devicesParseAsPyTorchWritesThem() {
        assertEquals(Device.CPU, Device.parse("cpu"));
        assertEquals(Device.cuda(0), Device.parse("cuda"));
        assertEquals(Device.cuda(3), Device.parse(" CUDA:3 "));
        assertEquals("cuda:1", Device.cuda(1).toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Device.parse("gpu"));
        assertTrue(e.getMessage().contains("cpu, cuda or cuda:N"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Device.parse("cuda:-1"));
    }

    @Test
    void theCudaBackendIsFoundThroughTheServiceLoader() {
        assertEquals(CudaBackend.class, Backends.of(Device.Kind.CUDA).getClass());
    }

    @Test
    void autoFallsBackToTheCpuWithOneLineSayingWhy() {
        String reason = CudaDevice.unavailableReason();
        assumeTrue(reason != null, "a CUDA device is present: auto picks it (CudaBackendSmokeTest)");
        Backends.Choice c = Backends.choose("auto");
        assertEquals(Device.CPU, c.device());
        assertEquals("--device auto: using the CPU (" + reason + ")", c.note());
        assertTrue(!c.note().contains("\n"));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Backends.choose("cuda:0"));
        assertTrue(e.getMessage().startsWith("device cuda:0 is not usable: "), e.getMessage());
        assertEquals(new Backends.Choice(Device.CPU, null), Backends.choose("cpu"));
    }

    @Test
    void cpuTensorsReportTheCpuAndMovingToItIsFree() {
        Tensor t = Tensor.ones(2, 2);
        assertEquals(Device.CPU, t.device());
        assertEquals(t, t.to(Device.CPU));
    }
}
