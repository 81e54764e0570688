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
}
