package io.nclab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import ai.djl.engine.EngineException;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class MainTest {

    @Test
    void aFailedNativeAllocationIsNamedInOneLine() {
        EngineException native_ = new EngineException("[enforce fail at alloc_cpu.cpp:119] data. DefaultCPUAllocator:"
                + " can't allocate memory: you tried to allocate 4294967296 bytes. Error code 12\nframe #0: c10::...");
        Exception wrapped = new CommandLine.ExecutionException(new CommandLine(new Main()), "failed",
                new IllegalStateException("forward", native_));
        assertEquals("native: [enforce fail at alloc_cpu.cpp:119] data. DefaultCPUAllocator: can't allocate memory:"
                + " you tried to allocate 4294967296 bytes. Error code 12", Main.outOfMemory(wrapped));
        assertEquals("Java: Java heap space", Main.outOfMemory(new RuntimeException(new OutOfMemoryError(
                "Java heap space"))));
    }

    /** No command is a usage error: one line on stderr naming the commands, nothing on stdout, status 2. */
    @Test
    void noCommandIsAUsageError() {
        CliRunner.Result r = CliRunner.run();
        assertEquals(2, r.code());
        assertEquals("", r.out());
        assertEquals("nclab: give a command: ufm, theory, metrics, landscape, saddle, sweep, results, report,"
                + " reproduce, convexity, train, features (see 'nclab --help')\n", r.err().replace("\r\n", "\n"));
    }

    @Test
    void otherFailuresAreNotCalledMemory() {
        assertNull(Main.outOfMemory(new EngineException("shape mismatch")));
        assertNull(Main.outOfMemory(new IllegalStateException("bug")));
    }
}
