package io.nclab.train;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Training progress on standard error: a bar redrawn in place on a terminal, plain lines otherwise (one per
 * epoch, and within an epoch one a minute at most, so that a log of long epochs says how far they are), so logs
 * stay readable.
 */
final class Progress {
    private static final int BAR = 24;
    /** Within an epoch, off a terminal: a plain line after this long without one. */
    static final long PLAIN_EVERY_NANOS = 60_000_000_000L;
    private final PrintStream out;
    private final boolean terminal;
    private final java.util.function.LongSupplier clock;
    private long lastDraw;
    private int epochSeen = -1;

    Progress(PrintStream out, boolean terminal) {
        this(out, terminal, System::nanoTime);
    }

    Progress(PrintStream out, boolean terminal, java.util.function.LongSupplier clock) {
        this.out = out;
        this.terminal = terminal;
        this.clock = clock;
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
        if (out == null) {
            return;
        }
        long now = clock.getAsLong();
        if (!terminal) {
            if (epoch != epochSeen) {
                epochSeen = epoch;
                lastDraw = now;
            } else if (done < total && now - lastDraw >= PLAIN_EVERY_NANOS) {
                lastDraw = now;
                out.println(String.format(Locale.ROOT, "epoch %d/%d: %,d/%,d samples  %.0f samples/s  loss %.4f  acc %.4f",
                        epoch, epochs, done, total, samplesPerSecond, loss, accuracy));
                out.flush();
            }
            return;
        }
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
