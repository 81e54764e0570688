package io.nclab.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.nclab.metrics.CollapseMetrics;
import io.nclab.nd.Nd;
import java.util.SplittableRandom;

/**
 * The engine run once on a small made-up problem of the command's shape (K classes, d dimensions, the same
 * float type, with or without a classifier, bias, margins and numerical_rank) on a second thread while the
 * command reads its files. A fresh JVM otherwise compiles the engine's loops and initialises PyTorch's operators
 * during the measurement itself, on cores the measurement needs (0.1–0.3 s of a 0.4–0.8 s K = 10 measurement,
 * BENCHMARKS.md); reading a file keeps one core busy at most, so the second is free for this. Nothing of it is
 * kept: its metrics are thrown away, and any error of its own is ignored (the real measurement reports its
 * own). {@code -Dnclab.warmup=false} turns it off.
 */
final class MetricsWarmUp {
    /** Features the made-up problem holds at most (16 MB as float32). */
    private static final long MAX_ELEMENTS = 4L << 20;

    private final Thread thread;

    private MetricsWarmUp(Thread thread) {
        this.thread = thread;
    }

    /** Starts the warm-up, or returns null where it is off or the shape is not worth one. */
    static MetricsWarmUp start(int classes, long dim, DataType type, boolean classifier, boolean bias,
            CollapseMetrics.Options options) {
        if (!Boolean.parseBoolean(System.getProperty("nclab.warmup", "true")) || classes < 1 || dim < 1
                || (long) classes * dim > MAX_ELEMENTS || !(type == DataType.FLOAT32 || type == DataType.FLOAT64)) {
            return null;
        }
        // a few rows per class, and enough rows for the loops over samples to be compiled
        int rows = (int) Math.max(2L * classes, Math.min(2048, MAX_ELEMENTS / dim));
        Thread t = new Thread(() -> run(classes, (int) dim, rows, type, classifier, bias, options), "metrics-warm-up");
        t.setDaemon(true);
        t.start();
        return new MetricsWarmUp(t);
    }

    private static void run(int classes, int dim, int rows, DataType type, boolean classifier, boolean bias,
            CollapseMetrics.Options options) {
        try (NDManager m = Nd.newManager()) {
            SplittableRandom random = new SplittableRandom(1);
            int[] labels = new int[rows];
            float[] h = new float[rows * dim];
            for (int i = 0; i < rows; i++) {
                labels[i] = i % classes;
                for (int j = 0; j < dim; j++) {
                    h[i * dim + j] = (float) (random.nextDouble() - 0.5) + (j % classes == labels[i] ? 1f : 0f);
                }
            }
            NDArray features = m.create(h, new Shape(rows, dim)).toType(type, false);
            NDArray w = null;
            NDArray b = null;
            if (classifier) {
                float[] wv = new float[classes * dim];
                for (int i = 0; i < wv.length; i++) {
                    wv[i] = (float) (random.nextDouble() - 0.5);
                }
                w = m.create(wv, new Shape(classes, dim)).toType(type, false);
                b = bias ? m.zeros(new Shape(classes), type) : null;
            }
            CollapseMetrics.measure(features, labels, classes, w, b, options);
        } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
            // a warm-up only: the measurement itself meets and reports whatever this met
        }
    }

    /** Waits for the warm-up to end, so that it never competes with the measurement for the cores. */
    void await() {
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
