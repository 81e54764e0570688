package io.nclab.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProgressTest {
    @TempDir
    Path tmp;

    private Path fdLink(String name, String target) throws IOException {
        return Files.createSymbolicLink(tmp.resolve(name), Path.of(target));
    }

    @Test
    void standardErrorIsATerminalOnlyWhenItsDescriptorNamesATerminalDevice() throws IOException {
        // whatever System.console() says: stderr redirected to a file from a terminal is no terminal
        assertFalse(Progress.isTerminal(fdLink("file", "/home/me/train.log"), true));
        assertFalse(Progress.isTerminal(fdLink("pipe", "pipe:[40123]"), true));
        assertFalse(Progress.isTerminal(fdLink("null", "/dev/null"), true));
        assertTrue(Progress.isTerminal(fdLink("pts", "/dev/pts/3"), false));
        assertTrue(Progress.isTerminal(fdLink("tty", "/dev/tty1"), false));
        // no descriptor link (not Linux): System.console() decides
        assertTrue(Progress.isTerminal(tmp.resolve("missing"), true));
        assertFalse(Progress.isTerminal(tmp.resolve("missing"), false));
    }

    @Test
    void offATerminalProgressIsPlainLines() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Progress p = new Progress(new PrintStream(bytes, true, StandardCharsets.UTF_8), false);
        p.batch(1, 2, 5, 10, 100, 0.5, 0.5);
        p.batch(1, 2, 10, 10, 100, 0.5, 0.5);
        p.line("epoch 1/2 done");
        assertEquals("epoch 1/2 done" + System.lineSeparator(), bytes.toString(StandardCharsets.UTF_8));
        ByteArrayOutputStream tty = new ByteArrayOutputStream();
        Progress t = new Progress(new PrintStream(tty, true, StandardCharsets.UTF_8), true);
        t.batch(1, 2, 10, 10, 100, 0.5, 0.5);
        t.line("epoch 1/2 done");
        assertTrue(tty.toString(StandardCharsets.UTF_8).startsWith("\repoch 1/2 ["), "a bar redrawn in place");
        assertTrue(tty.toString(StandardCharsets.UTF_8).contains("\r\033[Kepoch 1/2 done"));
    }

    /** Off a terminal, a long epoch says how far it is once a minute (nothing came until its end). */
    @Test
    void offATerminalALongEpochGetsALineAMinute() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        long[] now = {0};
        Progress p = new Progress(new PrintStream(bytes, true, StandardCharsets.UTF_8), false, () -> now[0]);
        long minute = Progress.PLAIN_EVERY_NANOS;
        p.batch(1, 2, 128, 50000, 40, 2.3, 0.1); // the epoch starts
        now[0] = minute / 2;
        p.batch(1, 2, 1280, 50000, 40, 2.2, 0.12);
        now[0] = minute + 1;
        p.batch(1, 2, 2560, 50000, 40, 2.1, 0.15);
        now[0] = minute + 2;
        p.batch(1, 2, 2688, 50000, 40, 2.1, 0.15);
        now[0] = 3 * minute;
        p.batch(1, 2, 50000, 50000, 40, 1.9, 0.3); // the last batch: the epoch's own line follows
        now[0] = 3 * minute + 5;
        p.batch(2, 2, 128, 50000, 40, 1.8, 0.35); // a new epoch starts its minute afresh
        assertEquals("epoch 1/2: 2,560/50,000 samples  40 samples/s  loss 2.1000  acc 0.1500" + System.lineSeparator(),
                bytes.toString(StandardCharsets.UTF_8));
    }
}
