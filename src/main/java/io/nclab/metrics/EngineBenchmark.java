package io.nclab.metrics;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.nclab.io.Json;
import io.nclab.nd.Nd;
import io.nclab.nd.SymmetricEigen;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The parts of a training probe's NC measurement at the size of the MLP acceptance runs (5000 random ReLU
 * features, d = 1024, K = 10): the engine without {@code numerical_rank}, {@code numerical_rank} alone, and
 * one symmetric eigenvalue problem of the sizes it solves (eigenvalues only, as {@code numerical_rank} asks
 * for them). Best of five after a warm-up; one JSON line. Arguments: {@code [threads]}.
 */
public final class EngineBenchmark {
    private EngineBenchmark() {}

    public static void main(String[] args) {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 0;
        Nd.setThreads(threads > 0 ? threads : Runtime.getRuntime().availableProcessors());
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("tool", "nclab");
        j.put("native_eigensolver", SymmetricEigen.isNative());
        j.put("numerical_rank_library", io.nclab.nd.NativeGram.library());
        try (NDManager m = Nd.newManager()) {
            int n = 5000;
            int d = 1024;
            int k = 10;
            NDArray h = m.randomNormal(new Shape(n, d)).maximum(0f);
            NDArray w = m.randomNormal(new Shape(k, d));
            NDArray b = m.randomNormal(new Shape(k));
            int[] y = new int[n];
            for (int i = 0; i < n; i++) {
                y[i] = i % k;
            }
            double engine = Double.POSITIVE_INFINITY;
            double rank = Double.POSITIVE_INFINITY;
            for (int r = 0; r < 6; r++) {
                long t0 = System.nanoTime();
                CollapseMetrics.measure(h, y, k, w, b, CollapseMetrics.Options.DEFAULT.withNumericalRank(false));
                long t1 = System.nanoTime();
                NumericalRank.measure(h, y, k);
                long t2 = System.nanoTime();
                if (r > 0) {
                    engine = Math.min(engine, (t1 - t0) / 1e9);
                    rank = Math.min(rank, (t2 - t1) / 1e9);
                }
            }
            j.put("engine_without_rank_seconds", engine);
            j.put("numerical_rank_seconds", rank);
        }
        for (int size : new int[] {500, 2048}) {
            double[] a;
            try (NDManager m = Nd.newManager()) {
                // a Gram matrix of random features, the kind numerical_rank decomposes
                NDArray x = m.randomNormal(new Shape(2 * size, size), ai.djl.ndarray.types.DataType.FLOAT64);
                a = x.transpose().matMul(x).toDoubleArray();
            }
            double best = Double.POSITIVE_INFINITY;
            for (int r = 0; r < 4; r++) {
                long t0 = System.nanoTime();
                SymmetricEigen.ofRowMajor(a, size, false);
                if (r > 0) {
                    best = Math.min(best, (System.nanoTime() - t0) / 1e6);
                }
            }
            j.put("eigenvalues_" + size + "_ms", best);
        }
        System.out.println(Json.line(j));
    }
}
