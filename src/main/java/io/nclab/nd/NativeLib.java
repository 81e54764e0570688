package io.nclab.nd;

import ai.djl.engine.Engine;
import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

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

    /** The library, or null where it is absent. */
    static NativeLibrary library() {
        return Torch.LIBRARY;
    }

    /**
     * The library, located once: the process's memory map has thousands of lines, and every symbol looked up
     * (eight for the NC metrics) read it again, which in a cold command also had the JIT compile the line reader.
     * It is searched as one string, not line by line: reading it by lines had C2 compile
     * {@code BufferedReader.readLine} (46 ms of a compiler thread) as the metrics' second pass began.
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
                String path = mappedPath(Files.readString(maps), "/libtorch_cpu.so");
                return path == null ? null : NativeLibrary.getInstance(path);
            } catch (IOException | UnsatisfiedLinkError | RuntimeException e) {
                return null;
            }
        }
    }

    /**
     * The path of the first mapping in {@code maps} (the text of /proc/self/maps: one mapping per line, its path, if
     * any, from the line's first '/') whose path ends with {@code suffix}; null where none does.
     */
    static String mappedPath(String maps, String suffix) {
        for (int at = maps.indexOf(suffix); at >= 0; at = maps.indexOf(suffix, at + 1)) {
            int end = at + suffix.length();
            if (end != maps.length() && maps.charAt(end) != '\n') {
                continue; // a longer name (libtorch_cpu.so.1, a folder of that name)
            }
            int start = maps.lastIndexOf('\n', at) + 1;
            int slash = maps.indexOf('/', start);
            if (slash >= 0 && slash <= at) {
                return maps.substring(slash, end);
            }
        }
        return null;
    }
}
