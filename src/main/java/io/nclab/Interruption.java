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
}
