package io.nclab.train;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Training progress on standard error: a bar redrawn in place on a terminal, plain lines (one per
 * epoch) otherwise, so logs stay readable.
 */
final class Progress {
    private static final int BAR = 24;
    private final PrintStream out;
    private final boolean terminal;
    private long lastDraw;

    Progress(PrintStream out, boolean terminal) {
        this.out = out;
        this.terminal = terminal;
    }

    /** Whether standard error (where progress goes) is a terminal. */
    static boolean isTerminal() {
        return isTerminal(Path.of("/proc/self/fd/2"), System.console() != null);
    }

    /**
     * Whether the file descriptor link {@code fd} (Linux's /proc/self/fd/2) names a terminal device; where there
     * is no such link (not Linux), {@code console}: System.console() is there when standard input and output are
     * a terminal, which says nothing of standard error ({@code train ... 2> log} from a terminal).
     */
    static boolean isTerminal(Path fd, boolean console) {
        try {
            return isTerminalDevice(Files.readSymbolicLink(fd).toString());
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return console;
        }
    }

    /** A pseudo-terminal (/dev/pts/N), a console or serial terminal (/dev/tty*, /dev/console). */
    static boolean isTerminalDevice(String path) {
        return path.startsWith("/dev/pts/") || path.startsWith("/dev/tty") || path.equals("/dev/console");
    }

    void batch(int epoch, int epochs, long done, long total, double samplesPerSecond, double loss, double accuracy) {
        if (!terminal || out == null) {
            return;
        }
        long now = System.nanoTime();
        if (done < total && now - lastDraw < 200_000_000L) {
            return;
        }
        lastDraw = now;
        int filled = (int) (BAR * done / Math.max(1, total));
        out.print(String.format(Locale.ROOT, "\repoch %d/%d [%s%s] %d/%d  %.0f samples/s  loss %.4f  acc %.4f ",
                epoch, epochs, "=".repeat(filled), " ".repeat(BAR - filled), done, total, samplesPerSecond, loss,
                accuracy));
        out.flush();
    }

    void line(String text) {
        if (out == null) {
            return;
        }
        if (terminal) {
            out.print("\r\033[K");
        }
        out.println(text);
        out.flush();
    }
}
