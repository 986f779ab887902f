package zest.kernels.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LibrarySearchPathTest {

    @TempDir Path tmp;

    private Path lib(Path dir, String name) throws IOException {
        Files.createDirectories(dir);
        return Files.writeString(dir.resolve(name), "not really an ELF file");
    }

    @Test
    void userOverrideComesFirstThenEnvironmentThenLdLibraryPath() {
        LibrarySearchPath p = LibrarySearchPath.of("/opt/a:/opt/b", Map.of("ZEST_CUDA_PATH", "/opt/c", "LD_LIBRARY_PATH", "/opt/d"), tmp);
        assertEquals(List.of(Path.of("/opt/a"), Path.of("/opt/b"), Path.of("/opt/c"), Path.of("/opt/d")), p.directories().subList(0, 4));
        assertTrue(p.directories().contains(Path.of("/usr/local/cuda/lib64")));
    }

    @Test
    void findsPipInstalledWheelsInAVirtualEnvironment() throws IOException {
        Path venv = tmp.resolve("venv");
        Path cublasDir = venv.resolve("lib/python3.12/site-packages/nvidia/cublas/lib");
        Path cudnnDir = venv.resolve("lib/python3.12/site-packages/nvidia/cudnn/lib");
        Path cublas = lib(cublasDir, "libcublas.so.12");
        Path cudnn = lib(cudnnDir, "libcudnn.so.9");
        LibrarySearchPath p = LibrarySearchPath.of(null, Map.of("VIRTUAL_ENV", venv.toString()), tmp);
        assertEquals(cublas, p.find(CudaLibraries.CUBLAS));
        assertEquals(cudnn, p.find(CudaLibraries.CUDNN));
    }

    @Test
    void prefersCuda13CublasOverCuda12WhereverEachIs() throws IOException {
        Path twelve = lib(tmp.resolve("first"), "libcublas.so.12");
        Path thirteen = lib(tmp.resolve("second"), "libcublas.so.13");
        LibrarySearchPath p = LibrarySearchPath.of(tmp.resolve("first") + ":" + tmp.resolve("second"), Map.of(), tmp);
        assertEquals(thirteen, p.find(CudaLibraries.CUBLAS));
        Files.delete(thirteen);
        assertEquals(twelve, p.find(CudaLibraries.CUBLAS));
    }

    @Test
    void findsNothingWhereNothingIs() {
        LibrarySearchPath p = new LibrarySearchPath(List.of(tmp));
        assertNull(p.find(List.of("libcuda.so.1")));
    }
}
