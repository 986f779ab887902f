package zest.kernels.cuda;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Where CUDA libraries are looked for, in order: the user's override (system property {@code zest.cuda.path}, then
 * environment variable {@code ZEST_CUDA_PATH}; each a path list), {@code LD_LIBRARY_PATH}, the usual system and
 * toolkit folders, and the {@code nvidia/<package>/lib} folders of Python site-packages (pip-installed CUDA wheels
 * such as nvidia-cublas-cu12 or nvidia-cudnn-cu12). Pure: the environment is passed in, so tests can build any.
 */
public record LibrarySearchPath(List<Path> directories) {

    public static final String PROPERTY = "zest.cuda.path";
    public static final String ENVIRONMENT = "ZEST_CUDA_PATH";

    static final List<String> SYSTEM_DIRECTORIES = List.of(
            "/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib",
            "/usr/local/cuda/lib64", "/usr/local/cuda/targets/x86_64-linux/lib", "/usr/local/cuda/targets/sbsa-linux/lib",
            "/usr/lib/wsl/lib");

    /** The search path of this process. */
    public static LibrarySearchPath ofProcess() {
        return of(System.getProperty(PROPERTY), System.getenv(), Path.of(System.getProperty("user.home", "/")));
    }

    /** The search path for a given override property value (may be null), environment and home folder. */
    public static LibrarySearchPath of(String propertyValue, Map<String, String> env, Path home) {
        Set<Path> dirs = new LinkedHashSet<>();
        addList(dirs, propertyValue);
        addList(dirs, env.get(ENVIRONMENT));
        addList(dirs, env.get("LD_LIBRARY_PATH"));
        for (String d : SYSTEM_DIRECTORIES) dirs.add(Path.of(d));
        String cudaHome = env.getOrDefault("CUDA_HOME", env.get("CUDA_PATH"));
        if (cudaHome != null && !cudaHome.isBlank()) dirs.add(Path.of(cudaHome, "lib64"));
        for (Path site : sitePackages(env, home)) dirs.addAll(nvidiaWheelLibraries(site));
        return new LibrarySearchPath(List.copyOf(dirs));
    }

    /** The first existing file named one of {@code sonames} (in preference order, each tried in every folder first). */
    public Path find(List<String> sonames) {
        for (String soname : sonames)
            for (Path dir : directories) {
                Path f = dir.resolve(soname);
                if (Files.isRegularFile(f)) return f;
            }
        return null;
    }

    private static void addList(Set<Path> dirs, String list) {
        if (list == null) return;
        for (String part : list.split(java.io.File.pathSeparator))
            if (!part.isBlank()) dirs.add(Path.of(part.trim()));
    }

    /** Site-packages folders of an active virtual environment, a conda environment, the user and the system Pythons. */
    static List<Path> sitePackages(Map<String, String> env, Path home) {
        List<Path> roots = new ArrayList<>();
        if (env.get("VIRTUAL_ENV") != null) roots.add(Path.of(env.get("VIRTUAL_ENV"), "lib"));
        if (env.get("CONDA_PREFIX") != null) roots.add(Path.of(env.get("CONDA_PREFIX"), "lib"));
        roots.add(home.resolve(".local/lib"));
        roots.add(Path.of("/usr/local/lib"));
        roots.add(Path.of("/usr/lib"));
        List<Path> sites = new ArrayList<>();
        for (Path root : roots) {
            if (!Files.isDirectory(root)) continue;
            try (Stream<Path> pythons = Files.list(root)) {
                pythons.filter(p -> p.getFileName().toString().startsWith("python")).sorted().forEach(p -> {
                    sites.add(p.resolve("site-packages"));
                    sites.add(p.resolve("dist-packages"));
                });
            } catch (IOException ignored) {
                // an unreadable folder simply contributes nothing
            }
        }
        sites.add(Path.of("/usr/lib/python3/dist-packages"));
        return sites;
    }

    /** {@code site/nvidia/<package>/lib} for each installed NVIDIA wheel (cublas, cudnn, cuda_nvrtc, cu13, ...). */
    static List<Path> nvidiaWheelLibraries(Path site) {
        Path nvidia = site.resolve("nvidia");
        if (!Files.isDirectory(nvidia)) return List.of();
        try (Stream<Path> packages = Files.list(nvidia)) {
            return packages.map(p -> p.resolve("lib")).filter(Files::isDirectory).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }
}
