package io.nclab.nd;

import ai.djl.engine.Engine;
import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Functions exported by {@code libtorch_cpu.so}, the PyTorch natives that DJL has loaded into this process
 * (they carry Intel MKL: LAPACK and BLAS), looked up through JNA. Nothing is downloaded or installed.
 */
final class NativeLib {
    private NativeLib() {}

    /** The exported function {@code symbol}, or null where the library or the symbol is absent. */
    static Function find(String symbol) {
        NativeLibrary lib = Torch.LIBRARY;
        if (lib == null) {
            return null;
        }
        try {
            return lib.getFunction(symbol);
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            return null;
        }
    }

    /**
     * The library, located once: the process's memory map has thousands of lines, and every symbol looked up
     * (eight for the NC metrics) read it again, which in a cold command also had the JIT compile the line reader.
     */
    private static final class Torch {
        static final NativeLibrary LIBRARY = locate();

        private static NativeLibrary locate() {
            try {
                Engine.getEngine("PyTorch"); // loads libtorch_cpu.so into the process
                Path maps = Path.of("/proc/self/maps");
                if (!Files.isReadable(maps)) {
                    return null;
                }
                List<String> lines = Files.readAllLines(maps);
                for (String line : lines) {
                    int slash = line.indexOf('/');
                    if (slash >= 0 && line.endsWith("/libtorch_cpu.so")) {
                        return NativeLibrary.getInstance(line.substring(slash));
                    }
                }
                return null;
            } catch (IOException | UnsatisfiedLinkError | RuntimeException e) {
                return null;
            }
        }
    }
}
