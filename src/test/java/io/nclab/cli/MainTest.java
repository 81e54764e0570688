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

    /**
     * The launcher's class-data-sharing run (hidden from the command list and --help) runs its commands quietly and
     * succeeds, leaving no files behind.
     */
    @Test
    void theHiddenWarmUpRunsQuietly() throws Exception {
        java.nio.file.Path tmp = java.nio.file.Path.of(System.getProperty("java.io.tmpdir"));
        long before;
        try (var s = java.nio.file.Files.list(tmp)) {
            before = s.filter(p -> p.getFileName().toString().startsWith("nclab-cds-warmup")).count();
        }
        CliRunner.Result r = CliRunner.run("cds-warmup");
        assertEquals(0, r.code(), r.err());
        assertEquals("", r.out());
        try (var s = java.nio.file.Files.list(tmp)) {
            assertEquals(before, s.filter(p -> p.getFileName().toString().startsWith("nclab-cds-warmup")).count());
        }
        assertEquals(-1, CliRunner.run("--help").out().indexOf("cds-warmup"));
    }

    /**
     * Output lost on the way (standard output to a full disk) is one line and status 2, not a silent truncation with
     * status 0 (an audit's find); a reader that stops early (| head) is not an error.
     */
    @Test
    void aFailedStandardOutputIsAnErrorButAClosedPipeIsNot() throws Exception {
        java.io.File full = new java.io.File("/dev/full");
        org.junit.jupiter.api.Assumptions.assumeTrue(full.exists(), "/dev/full is Linux's");
        String jvm = ProcessHandle.current().info().command().orElse("java");
        String[] cmd = {jvm, "-Dai.djl.offline=true", "-cp", System.getProperty("java.class.path"),
            Main.class.getName(), "theory", "--loss", "ce"};
        Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.to(full)).start();
        String err = new String(p.getErrorStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(2, p.waitFor(), err);
        org.junit.jupiter.api.Assertions.assertTrue(err.startsWith("nclab: standard output failed, so the output is"
                + " incomplete: ") && err.strip().lines().count() == 1, err);
        Process early = new ProcessBuilder(cmd).start();
        early.getInputStream().close(); // the reader gone before the output comes
        String said = new String(early.getErrorStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, early.waitFor(), said);
        assertEquals("", said);
    }

    /** A command stopped from outside (SIGTERM, as Ctrl-C) says so in one line; it said nothing (ufm, landscape ...). */
    @Test
    void anInterruptedCommandSaysSo(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path log = dir.resolve("stderr.log");
        String jvm = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder(jvm, "-Dai.djl.offline=true", "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "ufm", "--classes", "5", "--per-class", "5", "--optimizer", "gd", "--iters",
                "100000000", "--tol", "0").redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(log.toFile()).start(); // destroy() closes the pipes: the line goes to a file
        Thread.sleep(3000); // started and solving
        p.destroy();
        int code = p.waitFor();
        String err = java.nio.file.Files.readString(log);
        assertEquals(143, code, err);
        assertEquals("nclab ufm: interrupted", err.strip());
    }

    @Test
    void otherFailuresAreNotCalledMemory() {
        assertNull(Main.outOfMemory(new EngineException("shape mismatch")));
        assertNull(Main.outOfMemory(new IllegalStateException("bug")));
    }
}
