package io.nclab;

/**
 * Whether a command says for itself what a Ctrl-C or a kill left behind (train and sweep say how to continue):
 * the CLI's own line for an interrupted command ("nclab ufm: interrupted") is then not said as well.
 */
public final class Interruption {
    private static volatile boolean explainedElsewhere;

    private Interruption() {}

    /** Called by a command that installs its own shutdown hook with its own line. */
    public static void explainedElsewhere() {
        explainedElsewhere = true;
    }

    public static boolean isExplainedElsewhere() {
        return explainedElsewhere;
    }

    /**
     * A shutdown hook's line, on a new line after whatever progress line was being drawn: straight to file descriptor
     * 2, not through a log or System.err, as the command's threads go on while hooks run and may hold their locks
     * (a pipe nobody reads), which would keep the process from ever exiting.
     */
    public static void say(String line) {
        try {
            java.io.FileOutputStream err = new java.io.FileOutputStream(java.io.FileDescriptor.err);
            err.write(("\n" + line + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            err.flush();
        } catch (java.io.IOException ignored) {
            // standard error is gone: nothing to say it on
        }
    }
}
