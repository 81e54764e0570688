package io.nclab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What the machine has left: checks that refuse work which would only be killed by the kernel half way. */
public final class SystemMemory {
    private SystemMemory() {}

    /**
     * MemAvailable of /proc/meminfo in bytes, or 0 where it cannot be read; the system property
     * {@code nclab.memory.available} (bytes) stands in for it, so that tests do not depend on the machine.
     */
    public static long availableBytes() {
        String given = System.getProperty("nclab.memory.available");
        if (given != null) {
            return Long.parseLong(given);
        }
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemAvailable:")) {
                    String[] f = line.trim().split("\\s+");
                    return Long.parseLong(f[1]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: no check
        }
        return 0;
    }

    /** How to give the JVM a larger heap, for messages: the launcher's variable with its default flags. */
    public static String heapHint() {
        return String.format(java.util.Locale.ROOT, "this JVM's heap is at most %.1f GB;"
                + " give it more with NCLAB_JAVA_OPTS='-Xss16m -XX:+UseParallelGC -Xmx<GB>g' ./nclab ...",
                Runtime.getRuntime().maxMemory() / 1e9);
    }

    /**
     * Refuses, in one line and before the work, {@code bytes} of Java arrays that the heap cannot hold (the JVM's
     * own limit, or the machine's available memory where that is smaller): the alternative is an out-of-memory
     * error after the memory and the time have been spent. {@code what} says what needs them.
     */
    public static void requireHeap(long bytes, String what) {
        long max = Runtime.getRuntime().maxMemory();
        long available = availableBytes();
        if (available > 0 && bytes > available) {
            throw new io.nclab.UserError(String.format(java.util.Locale.ROOT, "%s: about %.1f GB of Java arrays, more"
                    + " than the %.1f GB of memory available", what, bytes / 1e9, available / 1e9));
        }
        if (bytes > max) {
            throw new io.nclab.UserError(String.format(java.util.Locale.ROOT, "%s: about %.1f GB of Java arrays; %s",
                    what, bytes / 1e9, heapHint()));
        }
    }
}
