package zest.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import zest.engine.device.Backends;
import zest.engine.device.Device;

/** --device on generate and check: the CUDA backend is on the CLI's class path (zest-kernels, runtime scope). */
class DeviceOptionTest {

    @Test
    void cpuIsTheCpuAndNonsenseIsABadInputError() {
        assertEquals(Device.CPU, DeviceOption.resolve("cpu"));
        UserError e = assertThrows(UserError.class, () -> DeviceOption.resolve("gpu0"));
        assertTrue(e.getMessage().startsWith("--device gpu0: unknown device"), e.getMessage());
    }

    @Test
    void autoTakesTheGpuWhenUsableElseTheCpu() {
        String reason = Backends.of(Device.Kind.CUDA).unavailableReason();
        assertEquals(reason == null ? Device.cuda(0) : Device.CPU, DeviceOption.resolve("auto"));
        if (reason != null) {
            UserError e = assertThrows(UserError.class, () -> DeviceOption.resolve("cuda:0"));
            assertTrue(e.getMessage().contains("is not usable"), e.getMessage());
        }
    }
}
