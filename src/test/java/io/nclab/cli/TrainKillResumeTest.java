package io.nclab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nclab.data.TinyData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a real training process (a child JVM running {@code nclab train}) once its first checkpoint is on
 * disk, resumes it in-process with {@code --resume}, and checks that the resumed run ends with the
 * metrics.csv of a run that never stopped.
 */
class TrainKillResumeTest {
    @TempDir
    Path tmp;

    private static final int EPOCHS = 12;

    private String[] train(Path idx, Path out) {
        return new String[] {"train", "--dataset", "mnist-idx", "--data-dir", idx.toString(), "--width", "0.03125",
            "--epochs", Integer.toString(EPOCHS), "--batch-size", "16", "--lr", "0.05", "--seed", "3",
            "--threads", "1", "--keep-checkpoints", "3", "--out", out.toString()};
    }

    @Test
    void aKilledTrainingProcessResumesToTheMetricsOfOneThatNeverStopped() throws Exception {
        Path idx = TinyData.idx(tmp.resolve("idx"), 240, 30, 3, 8, 8, true);
        Path killedDir = tmp.resolve("killed");

        Path childLog = tmp.resolve("child.log");
        Process child = child(train(idx, killedDir), childLog);
        Path checkpoints = killedDir.resolve("checkpoints");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        boolean aliveAtKill;
        try {
            while (checkpointCount(checkpoints) == 0 && child.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            // while it trains, the run directory is locked: a second process may not resume into it
            CliRunner.Result meanwhile = CliRunner.run("train", "--resume", killedDir.toString(), "--threads", "1");
            if (child.isAlive()) {
                assertEquals(2, meanwhile.code(), meanwhile.err());
                assertTrue(meanwhile.err().contains("run directory " + killedDir + " is in use: another nclab process"
                        + " is training in it"), meanwhile.err());
            }
            aliveAtKill = child.isAlive();
            child.destroyForcibly();
            assertTrue(child.waitFor(30, TimeUnit.SECONDS), "the child did not die");
        } finally {
            child.destroyForcibly();
        }
        String log = Files.readString(childLog);
        assertTrue(aliveAtKill, "the child was meant to be killed mid-run, but it had already exited:\n" + log);
        int kept = checkpointCount(checkpoints);
        assertTrue(kept >= 1 && !Files.isDirectory(checkpoints.resolve(String.format("epoch-%04d", EPOCHS))),
                "killed after its first checkpoint and before its last:\n" + log);

        int newest;
        try (Stream<Path> s = Files.list(checkpoints)) {
            newest = s.map(p -> p.getFileName().toString()).filter(n -> n.matches("epoch-\\d+"))
                    .mapToInt(n -> Integer.parseInt(n.substring(6))).max().orElseThrow();
        }
        CliRunner.Result resumed = CliRunner.run("train", "--resume", killedDir.toString(), "--threads", "1",
                "--json"); // --threads and --json say how this continuation runs: allowed with --resume
        assertEquals(0, resumed.code(), resumed.err());
        // from the newest checkpoint, not replayed from an older one (which would end with the same numbers)
        assertTrue(resumed.err().contains("resuming " + killedDir + " after epoch " + newest + "\n"), resumed.err());
        assertFalse(resumed.err().contains("epoch " + newest + "/" + EPOCHS), "epoch " + newest + " is not trained again: "
                + resumed.err());

        Path wholeDir = tmp.resolve("whole");
        CliRunner.Result whole = CliRunner.run(train(idx, wholeDir));
        assertEquals(0, whole.code(), whole.err());
        String expected = Files.readString(wholeDir.resolve("metrics.csv"));
        assertEquals(EPOCHS + 2, expected.strip().split("\n").length, "a header, the untrained network and one row per epoch");
        assertEquals(expected, Files.readString(killedDir.resolve("metrics.csv")));
    }

    /** nclab in a JVM of its own, standard output and error into {@code log}. */
    private static Process child(String[] args, Path log) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dai.djl.offline=true", "-Dai.djl.pytorch.num_threads=1", "-Dai.djl.pytorch.num_interop_threads=1",
                "-Xss8m", "--add-opens", "java.base/java.nio=ALL-UNNAMED",
                "-cp", System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
                "io.nclab.cli.Main"));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /** Stopped from outside (SIGTERM, as Ctrl-C's SIGINT), a run says how to continue and from which checkpoint. */
    @Test
    void anInterruptedRunSaysHowToResume() throws Exception {
        Path idx = TinyData.idx(tmp.resolve("idx"), 240, 30, 3, 8, 8, true);
        Path dir = tmp.resolve("stopped");
        Path log = tmp.resolve("stopped.log");
        String[] args = train(idx, dir);
        args[java.util.Arrays.asList(args).indexOf("--epochs") + 1] = "1000";
        Process child = child(args, log);
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (checkpointCount(dir.resolve("checkpoints")) == 0 && child.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertTrue(child.isAlive(), Files.readString(log));
            child.destroy();
            assertTrue(child.waitFor(30, TimeUnit.SECONDS), "the child did not stop");
        } finally {
            child.destroyForcibly();
        }
        String text = Files.readString(log);
        assertTrue(text.contains("interrupted; ./nclab train --resume " + dir + " continues from its newest checkpoint,"
                + " epoch-"), text);
    }

    private static int checkpointCount(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return (int) s.filter(p -> p.getFileName().toString().startsWith("epoch-")).count();
        }
    }
}
