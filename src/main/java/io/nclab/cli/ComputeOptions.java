package io.nclab.cli;

import io.nclab.nd.Nd;
import picocli.CommandLine.Option;

/** Where and how wide native computation runs: shared by every command that computes. */
public final class ComputeOptions {

    @Option(names = "--threads", defaultValue = "0", paramLabel = "N",
            description = "Threads for native tensor operations (0: automatic: every core; ufm and saddle take one for"
                    + " problems so small that thread hand-offs cost more than they save). Default: ${DEFAULT-VALUE}.")
    int threads;

    /** Refuses a bad --threads (without changing anything). */
    public void check() {
        Nd.requireThreads("--threads", threads);
    }

    /**
     * Applies the thread count and returns it; {@code work} is the problem's size in multiply-adds of its
     * largest product, which decides the automatic choice.
     */
    public int apply(double work) {
        check();
        int n = threads;
        if (n == 0) {
            n = work < 5e6 ? 1 : Runtime.getRuntime().availableProcessors();
        }
        Nd.setThreads(n);
        return n;
    }
}
