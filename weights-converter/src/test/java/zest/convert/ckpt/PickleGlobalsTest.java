package zest.convert.ckpt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The allow-list of pickle globals: what resolves, and how everything else is refused. */
class PickleGlobalsTest {
    @ParameterizedTest
    @CsvSource({
        "posix, system, os.system",
        "nt, system, os.system",
        "os, system, os.system",
        "commands, call, subprocess.call",
        "subprocess, Popen, subprocess.Popen",
        "__builtin__, exec, builtins.exec",
        "builtins, eval, builtins.eval",
        "builtins, getattr, builtins.getattr",
        "builtins, __import__, builtins.__import__",
        "copy_reg, _reconstructor, copyreg._reconstructor",
        "torch.storage, _load_from_bytes, torch.storage._load_from_bytes",
        "torch, load, torch.load",
        "numpy.core.multiarray, _reconstruct, numpy.core.multiarray._reconstruct",
        "pytorch_lightning.callbacks.model_checkpoint, ModelCheckpoint, pytorch_lightning.callbacks.model_checkpoint.ModelCheckpoint",
        "collections, defaultdict, collections.defaultdict",
        "torch._utils, _rebuild_device_tensor_from_numpy, torch._utils._rebuild_device_tensor_from_numpy"})
    void everyOtherGlobalIsRefusedByName(String module, String name, String python) {
        CheckpointException e = assertThrows(CheckpointException.class, () -> TorchGlobals.resolve("model.ckpt", module, name));
        assertEquals("refusing to load model.ckpt: its pickle asks for " + python + " (pickle global '" + module + " " + name
                + "'), which a tensor checkpoint never needs; nothing was executed. Only tensors, their storages and plain"
                + " containers are read from a .ckpt: if you trust the file, convert it to .safetensors with PyTorch", e.getMessage());
    }

    @Test
    void refusalHappensAtTheGlobalOpcodeBeforeAnythingElse() {
        // GLOBAL posix system, then a broken remainder: the refusal wins, nothing after it is even parsed
        byte[] p = PickleBytes.proto(2).global("posix", "system").op('X').u32(1 << 30).bytes();
        CheckpointException e = assertThrows(CheckpointException.class, () -> UnpicklerTest.load(p));
        assertTrue(e.getMessage().startsWith("refusing to load test.ckpt: its pickle asks for os.system"), e.getMessage());
        // STACK_GLOBAL too
        byte[] q = PickleBytes.proto(4).op(0x8c, 8).raw("builtins".getBytes()).op(0x8c, 4).raw("eval".getBytes()).op(0x93).bytes();
        assertTrue(assertThrows(CheckpointException.class, () -> UnpicklerTest.load(q)).getMessage().contains("builtins.eval"));
    }

    @Test
    void unsupportedTorchStoragesAreNamed() {
        CheckpointException e = assertThrows(CheckpointException.class, () -> TorchGlobals.resolve("m.ckpt", "torch", "ComplexFloatStorage"));
        assertTrue(e.getMessage().contains("torch.ComplexFloatStorage, a storage type zest does not read"), e.getMessage());
    }

    @Test
    void allowedNamesResolveToInertValues() {
        assertEquals(StorageType.HALF, TorchGlobals.resolve("m", "torch", "HalfStorage"));
        assertEquals(StorageType.UNTYPED, TorchGlobals.resolve("m", "torch.storage", "UntypedStorage"));
        assertEquals(new TorchGlobals.TorchDtype("bfloat16"), TorchGlobals.resolve("m", "torch", "bfloat16"));
        for (String[] f : new String[][] {{"collections", "OrderedDict"}, {"torch._utils", "_rebuild_tensor_v2"},
                {"torch._utils", "_rebuild_parameter"}, {"torch._utils", "_rebuild_parameter_with_state"},
                {"__builtin__", "set"}, {"builtins", "frozenset"}, {"torch", "Size"}, {"_codecs", "encode"}})
            assertInstanceOf(PickleCallable.class, TorchGlobals.resolve("m", f[0], f[1]), f[0] + "." + f[1]);
    }
}
