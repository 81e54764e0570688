package io.nclab.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.nclab.nd.Nd;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The streamed d×d class Gram matrices give the numerical rank the naive per-class SVD gives. */
class ClassGramsTest {
    @TempDir
    Path dir;

    @Test
    void oneSampleClassesAndZeroFeaturesAreHandled() {
        // A class of one sample has ratio 1; all-zero features have none (0/0: nothing to measure).
        assertEquals(1.0, NumericalRank.ratio(new double[] {4.0}, 1, 7), 1e-15);
        assertEquals(Double.NaN, NumericalRank.ratio(new double[4], 2, 7));
    }

    @Test
    void streamedMergedAndReloadedGramsGiveTheNaiveNumericalRank() {
        // Classes larger (n_k ≈ 40) and smaller (n_k = 1, 5) than d = 12.
        CollapseMetricsTest.Problem p = CollapseMetricsTest.random(21, 300, 12, 6, 0, true);
        double naive = new NaiveMetrics(p.h(), p.y(), p.k(), null, null, 2).values.get("numerical_rank");
        int half = 137;
        ClassGrams a = new ClassGrams(p.k(), p.d());
        ClassGrams b = new ClassGrams(p.k(), p.d());
        NDManager manager = Nd.newManager();
        NDArray all = Nd.matrix(manager, p.h()).toType(DataType.FLOAT32, false);
        double[][] seen = Nd.toMatrix(all.toType(DataType.FLOAT64, false));
        a.add(all.get(":" + half), Arrays.copyOfRange(p.y(), 0, half));
        b.add(all.get(half + ":"), Arrays.copyOfRange(p.y(), half, p.y().length));
        a.save(dir.resolve("g.npz"));
        ClassGrams loaded = ClassGrams.load(dir.resolve("g.npz"));
        // counts that do not fit the Gram matrices' K: one line, not an index error or a silent read
        io.nclab.io.Npz saved = io.nclab.io.Npz.load(dir.resolve("g.npz"));
        for (long[] counts : new long[][] {new long[3], new long[p.k() + 2], new long[p.k()]}) {
            if (counts.length == p.k()) {
                counts[0] = -1;
            }
            new io.nclab.io.Npz().putText("nclab.json", saved.text("nclab.json"))
                    .put("counts", counts, counts.length).put("grams", saved.doubles("grams"), saved.shape("grams"))
                    .save(dir.resolve("bad.npz"));
            io.nclab.UserError e = org.junit.jupiter.api.Assertions.assertThrows(io.nclab.UserError.class,
                    () -> ClassGrams.load(dir.resolve("bad.npz")));
            org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("malformed"), e.getMessage());
        }
        loaded.merge(b);
        double naive32 = new NaiveMetrics(seen, p.y(), p.k(), null, null, 2).values.get("numerical_rank");
        assertEquals(naive32, loaded.numericalRank(), 1e-9 * naive32);
        assertEquals(naive32, NumericalRank.measure(all, p.y(), p.k()), 1e-9 * naive32);
        assertEquals(naive, naive32, 1e-5 * naive); // float32 rounding moves it only slightly
        manager.close();
    }

    @Test
    void theBlockSymmetricGramIsTheFullOne() {
        // d = 13 in a 4×4 block grid (from 2·3) of uneven blocks (3, 3, 3, 4); classes larger than d take the d×d route.
        CollapseMetricsTest.Problem p = CollapseMetricsTest.random(22, 240, 13, 3, 0, false);
        try (NDManager manager = Nd.newManager()) {
            NDArray h = Nd.matrix(manager, p.h());
            Batch batch = Batch.of(h, p.y(), p.k(), p.d(), 0);
            int before = NumericalRank.symmetricFrom;
            double[] blocked;
            try (NDManager scope = batch.scope()) {
                NumericalRank.symmetricFrom = 3;
                blocked = NumericalRank.featureGram(batch, scope, batch.start()[0], batch.start()[1], p.d());
            } finally {
                NumericalRank.symmetricFrom = before;
            }
            int d = p.d();
            for (int i = 0; i < d; i++) {
                for (int j = 0; j < d; j++) {
                    double want = 0;
                    for (int r = batch.start()[0]; r < batch.start()[1]; r++) {
                        double[] row = p.h()[batch.order()[r]];
                        want += row[i] * row[j];
                    }
                    assertEquals(want, blocked[i * d + j], 1e-12 * Math.max(1, Math.abs(want)), "G[" + i + "][" + j + "]");
                    assertEquals(blocked[i * d + j], blocked[j * d + i], 0.0, "symmetric");
                }
            }
            double naive = new NaiveMetrics(p.h(), p.y(), p.k(), null, null, 2).values.get("numerical_rank");
            NumericalRank.symmetricFrom = 3;
            try {
                assertEquals(naive, NumericalRank.measure(h, p.y(), p.k()), 1e-9 * naive);
            } finally {
                NumericalRank.symmetricFrom = before;
            }
        }
    }

    @Test
    void theBlockSymmetricSmallerGramGivesTheNaiveRank() {
        // Classes of 10 samples in d = 40 take the n_k×n_k Gram: in a 4×4 grid (symmetricFrom 2), a 2×2 one
        // (6) and whole (1000), each agreeing with the naive implementation.
        CollapseMetricsTest.Problem p = CollapseMetricsTest.random(23, 30, 40, 3, 0, false);
        double naive = new NaiveMetrics(p.h(), p.y(), p.k(), null, null, 2).values.get("numerical_rank");
        int before = NumericalRank.symmetricFrom;
        try (NDManager manager = Nd.newManager()) {
            NDArray h = Nd.matrix(manager, p.h());
            for (int from : new int[] {2, 6, 1000}) {
                NumericalRank.symmetricFrom = from;
                assertEquals(naive, NumericalRank.measure(h, p.y(), p.k()), 1e-9 * naive, "symmetricFrom " + from);
            }
        } finally {
            NumericalRank.symmetricFrom = before;
        }
    }
}
