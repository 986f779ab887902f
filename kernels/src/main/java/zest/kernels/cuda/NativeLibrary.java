package zest.kernels.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

/** One loaded shared library and downcall handles to its functions, as jextract's generated code makes them. */
public record NativeLibrary(String soname, Path file, SymbolLookup symbols) {

    /** Loads a library for the life of the JVM (CUDA libraries are never unloaded: their handles outlive any scope). */
    static NativeLibrary load(String soname, Path file) {
        SymbolLookup lookup = file == null
                ? SymbolLookup.libraryLookup(soname, Arena.global())
                : SymbolLookup.libraryLookup(file, Arena.global());
        return new NativeLibrary(soname, file, lookup);
    }

    /** A downcall handle to {@code name}; a clear error when the library lacks it (an older version). */
    public MethodHandle function(String name, FunctionDescriptor descriptor) {
        return symbols.find(name)
                .map(address -> Linker.nativeLinker().downcallHandle(address, descriptor))
                .orElseThrow(() -> new CudaException(soname + (file == null ? "" : " (" + file + ")") + " has no function " + name
                        + "; the installed version is older than this backend needs"));
    }

    /** Whether the library exports {@code name}. */
    public boolean has(String name) { return symbols.find(name).isPresent(); }

    public String describe() { return file == null ? soname + " (system search path)" : file.toString(); }
}
