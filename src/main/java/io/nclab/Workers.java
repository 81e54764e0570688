package io.nclab;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** Worker threads (daemon, named) and how their results are awaited: the NC engine's, and the convexity map's. */
public final class Workers {
    private Workers() {}

    /**
     * Threads for the engine's memory-bound loops over samples and classes: one per core, at most 8 (more share the
     * same memory bandwidth and gain nothing).
     */
    public static int cores() {
        return Math.max(1, Math.min(Runtime.getRuntime().availableProcessors(), MOST));
    }

    /** The most threads {@link #cores()} gives. */
    public static final int MOST = 8;

    public static ExecutorService pool(String name, int threads) {
        return Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * The job's result, waiting for it to finish even if this thread is interrupted meanwhile (the job may
     * be reading memory its caller frees afterwards; the interrupt is kept for the caller). A failure inside
     * the job is rethrown as it was (or wrapped, if checked).
     */
    public static <T> T await(Future<T> job, String what) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return job.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException) {
                throw (RuntimeException) cause;
            }
            if (cause instanceof Error) {
                throw (Error) cause;
            }
            throw new IllegalStateException(what + " failed", cause);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Waits for every job ({@link #await} each, so none is still running when this returns), then rethrows the
     * first failure among them, if any.
     */
    public static void awaitAll(java.util.List<? extends Future<?>> jobs, String what) {
        RuntimeException failed = null;
        for (Future<?> job : jobs) {
            try {
                await(job, what);
            } catch (RuntimeException e) {
                failed = failed == null ? e : failed;
            }
        }
        if (failed != null) {
            throw failed;
        }
    }

    /**
     * Waits for every job of a pool that was shut down to end, even if this thread is interrupted meanwhile (the jobs
     * may be reading memory the caller frees afterwards; the interrupt is kept for the caller).
     */
    public static void awaitEnd(ExecutorService pool) {
        boolean interrupted = false;
        while (true) {
            try {
                if (pool.awaitTermination(1, java.util.concurrent.TimeUnit.MINUTES)) {
                    break;
                }
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
