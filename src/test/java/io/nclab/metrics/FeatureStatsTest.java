package io.nclab.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.nclab.nd.Nd;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The three routes to the class sums (host loop, one-hot product, sorted gathers) agree with a plain loop. */
class FeatureStatsTest {

    private static double[] sums(NDArray features, int[] labels, int k, boolean host) {
        boolean before = FeatureStats.hostRoute;
        FeatureStats.hostRoute = host;
        try {
            FeatureStats s = new FeatureStats(k, (int) features.getShape().get(1));
            s.add(features, labels);
            return s.sumsView().clone();
        } finally {
            FeatureStats.hostRoute = before;
        }
    }

    @Test
    void everyRouteGivesTheSameClassSums() {
        Random rng = new Random(11);
        // K = 3 takes the one-hot product off the host, K = 20 the sorted gathers; 700 × 1600 rows use two threads.
        for (int k : new int[] {3, 20}) {
            for (int[] size : new int[][] {{90, 7}, {700, 1600}}) {
                int n = size[0];
                int d = size[1];
                double[] h = new double[n * d];
                int[] y = new int[n];
                for (int i = 0; i < n; i++) {
                    y[i] = i < k ? i : rng.nextInt(k);
                    for (int j = 0; j < d; j++) {
                        h[i * d + j] = 5 + rng.nextGaussian();
                    }
                }
                try (NDManager m = Nd.newManager()) {
                    NDArray f64 = m.create(h, new Shape(n, d));
                    NDArray f32 = f64.toType(DataType.FLOAT32, false);
                    // the same features as a strided (transposed) view: a contiguous copy is read
                    double[] ht = new double[n * d];
                    for (int i = 0; i < n; i++) {
                        for (int j = 0; j < d; j++) {
                            ht[j * n + i] = h[i * d + j];
                        }
                    }
                    NDArray strided = m.create(ht, new Shape(d, n)).transpose();
                    for (NDArray f : new NDArray[] {f64, f32, strided}) {
                        double[] seen = Nd.toDoubles(f.toType(DataType.FLOAT64, false));
                        double[] want = new double[k * d];
                        for (int i = 0; i < n; i++) {
                            for (int j = 0; j < d; j++) {
                                want[y[i] * d + j] += seen[i * d + j];
                            }
                        }
                        double[] host = sums(f, y, k, true);
                        long blocks = FeatureStats.hostBlockElements;
                        FeatureStats.hostBlockElements = 3L * d + 5; // blocks of 3 rows: the buffer limit's path
                        double[] blocked;
                        try {
                            blocked = sums(f, y, k, true);
                        } finally {
                            FeatureStats.hostBlockElements = blocks;
                        }
                        double[] device = sums(f, y, k, false);
                        // chunks of 5 rows taken by whichever of 1, 2 or 3 threads is free: the same sums, bit for bit
                        // (every row is in one chunk, and the chunks are added in row order)
                        long chunks = FeatureStats.chunkElements;
                        int threads = FeatureStats.threads;
                        List<double[]> chunked = new ArrayList<>();
                        try {
                            FeatureStats.chunkElements = 5L * d;
                            for (int t : new int[] {1, 2, 3}) {
                                FeatureStats.threads = t;
                                chunked.add(sums(f, y, k, true));
                            }
                        } finally {
                            FeatureStats.chunkElements = chunks;
                            FeatureStats.threads = threads;
                        }
                        if (n * (long) d >= 1 << 20) {
                            // the rows are split between threads from this size on
                            assertArrayEquals(chunked.get(0), chunked.get(1), 0.0, "2 threads, K=" + k + " n=" + n);
                            assertArrayEquals(chunked.get(0), chunked.get(2), 0.0, "3 threads, K=" + k + " n=" + n);
                        }
                        for (int i = 0; i < want.length; i++) {
                            double tol = 1e-12 * Math.max(1, Math.abs(want[i]));
                            assertEquals(want[i], host[i], tol, "host, K=" + k + " n=" + n + " " + f.getDataType());
                            assertEquals(want[i], blocked[i], tol, "host in blocks, K=" + k + " n=" + n);
                            assertEquals(want[i], device[i], tol, "device route, K=" + k + " n=" + n);
                            assertEquals(want[i], chunked.get(0)[i], tol, "host in chunks, K=" + k + " n=" + n);
                        }
                    }
                }
            }
        }
    }
}
