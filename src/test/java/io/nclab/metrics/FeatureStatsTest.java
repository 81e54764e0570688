package io.nclab.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.nclab.UserError;
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

    @Test
    void rowsSummedAsTheyArriveGiveTheSumsOfOneBatchBitForBit() {
        Random rng = new Random(5);
        int n = 700;
        int d = 1600; // 1.1e6 elements: more than one thread
        int k = 4;
        float[] h = new float[n * d];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i < k ? i : rng.nextInt(k);
            for (int j = 0; j < d; j++) {
                h[i * d + j] = (float) (3 + rng.nextGaussian());
            }
        }
        long chunks = FeatureStats.chunkElements;
        long blocks = FeatureStats.hostBlockElements;
        int threads = FeatureStats.threads;
        // the class sums by a plain loop over the float32 values, in float64
        double[] want = new double[k * d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                want[y[i] * d + j] += h[i * d + j];
            }
        }
        try (NDManager m = Nd.newManager()) {
            NDArray f32 = m.create(h, new Shape(n, d));
            NDArray f64 = f32.toType(DataType.FLOAT64, false);
            for (NDArray f : new NDArray[] {f32, f64}) {
                // chunks of 5 rows in blocks of 96 (whose views go one at a time), on 1, 2 or 3 threads
                FeatureStats.chunkElements = 5L * d;
                FeatureStats.hostBlockElements = 96L * d;
                for (int t : new int[] {1, 2, 3}) {
                    FeatureStats.threads = t;
                    FeatureStats whole = new FeatureStats(k, d);
                    whole.add(f, y);
                    FeatureStats arriving = new FeatureStats(k, d);
                    try (FeatureStats.Arriving rows = arriving.adding(f, y)) {
                        // told of the rows in uneven steps, twice of some counts, ending mid-chunk and mid-block
                        for (long r : new long[] {0, 1, 4, 4, 13, 96, 97, 300, 301, 650}) {
                            rows.rowsRead(r);
                        }
                        assertEquals(0, arriving.samples(), "nothing is added before the last row is in");
                        rows.finish();
                    }
                    assertArrayEquals(whole.sumsView(), arriving.sumsView(), 0.0, f.getDataType() + ", " + t
                            + " threads");
                    assertArrayEquals(whole.counts(), arriving.counts());
                    for (int i = 0; i < want.length; i++) {
                        assertEquals(want[i], arriving.sumsView()[i], 1e-12 * Math.max(1, Math.abs(want[i])),
                                "against a plain loop, " + f.getDataType() + ", entry " + i);
                    }
                }
            }
            // a batch abandoned half way adds nothing; one finished twice is refused
            FeatureStats s = new FeatureStats(k, d);
            try (FeatureStats.Arriving rows = s.adding(f32, y)) {
                rows.rowsRead(200);
            }
            assertEquals(0, s.samples());
            FeatureStats.Arriving twice = s.adding(f32, y);
            twice.finish();
            assertThrows(IllegalStateException.class, twice::finish);
            twice.close();
            assertEquals(n, s.samples());
            // a non-finite value is named by its sample once the rows are in, as for a batch added whole
            h[123 * d + 7] = Float.NaN;
            NDArray bad = m.create(h, new Shape(n, d));
            FeatureStats b = new FeatureStats(k, d);
            try (FeatureStats.Arriving rows = b.adding(bad, y)) {
                UserError e = assertThrows(UserError.class, rows::finish);
                assertEquals("features of sample 123 are not finite (NaN or infinity)", e.getMessage());
            }
            assertThrows(IllegalArgumentException.class, () -> b.adding(bad.toType(DataType.FLOAT16, false), y));
        } finally {
            FeatureStats.chunkElements = chunks;
            FeatureStats.hostBlockElements = blocks;
            FeatureStats.threads = threads;
        }
    }
}
