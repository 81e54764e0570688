package io.nclab.cli;

import java.util.Locale;

/**
 * Work a command can size before it starts (its cost per class or per sample-class pair measured on the 2-core
 * development machine), announced on standard error when it will take a while: a command silent for a minute looks
 * hung.
 */
final class LongWork {
    private LongWork() {}

    /** Work estimated to take at least this long is announced before it starts. */
    static final double LONG_SECONDS = 20;

    /** Prints {@link #note} where there is one. */
    static void noteIfLong(double seconds, String what) {
        String note = note(seconds, what);
        if (note != null) {
            System.err.println(note);
            System.err.flush();
        }
    }

    /** The note for work of about {@code seconds}, or null below {@link #LONG_SECONDS}. */
    static String note(double seconds, String what) {
        if (!(seconds >= LONG_SECONDS)) {
            return null;
        }
        return String.format(Locale.ROOT, "note: %s, which takes on the order of %s here", what,
                seconds < 90 ? String.format(Locale.ROOT, "%.0f seconds", seconds)
                        : String.format(Locale.ROOT, "%.0f minutes", seconds / 60));
    }
}
