package io.nclab.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nclab.experiment.ProbeTable;
import io.nclab.experiment.ResultsDb;
import io.nclab.experiment.RunFiles;
import io.nclab.experiment.RunSpec;
import io.nclab.experiment.SweepSpec;
import io.nclab.io.AtomicFiles;
import io.nclab.io.Npy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FinalFiguresTest {
    @TempDir
    Path tmp;

    static final int K = 4;

    /**
     * A synthetic sweep over the feature dimension whose run directories hold what a training run's last
     * probe writes: margins.csv (fewer samples near 0 the larger d) and, at d = 3, the features of K
     * classes around the vertices of a regular tetrahedron with W along those vertices.
     */
    static SweepData sweep(Path dir) {
        Map<String, List<String>> grid = new LinkedHashMap<>();
        grid.put("feature_dim", List.of("2", "3", "10"));
        SweepSpec spec = new SweepSpec("d", "train", List.of("ce", "mse"), grid, List.of(0L, 1L), Map.of());
        ResultsDb db = ResultsDb.inMemory();
        db.describe(spec);
        db.register("train", spec.runs(), spec.options(), dir.resolve("runs"));
        double[][] vertex = {{1, 1, 1}, {1, -1, -1}, {-1, 1, -1}, {-1, -1, 1}};
        for (RunSpec r : spec.runs()) {
            int d = Integer.parseInt(r.varied().get("feature_dim"));
            Random rng = new Random(d * 31L + r.seed() + r.loss().length());
            Path run = dir.resolve("runs").resolve(r.id());
            double[] m = new double[200];
            for (int i = 0; i < m.length; i++) {
                m[i] = Math.min(1.5, Math.max(-0.3, 0.25 * d + 0.4 * rng.nextGaussian()));
            }
            Arrays.sort(m);
            RunFiles.writeMargins(run.resolve(RunFiles.MARGINS), m);
            if (d == 3) {
                int n = 60 * K;
                double[] h = new double[n * 3];
                long[] y = new long[n];
                double spread = r.loss().equals("ce") ? 0.35 : 0.15;
                for (int i = 0; i < n; i++) {
                    y[i] = i % K;
                    for (int j = 0; j < 3; j++) {
                        h[3 * i + j] = 2 * vertex[(int) y[i]][j] + spread * 2 * rng.nextGaussian();
                    }
                }
                double[] w = new double[K * 3];
                for (int k = 0; k < K; k++) {
                    for (int j = 0; j < 3; j++) {
                        w[3 * k + j] = 0.3 * vertex[k][j];
                    }
                }
                Npy.write(run.resolve(RunFiles.FEATURES), h, n, 3);
                byte[] labels = Npy.encode(y, n);
                AtomicFiles.write(run.resolve(RunFiles.LABELS), out -> out.write(labels));
                Npy.write(run.resolve(RunFiles.WEIGHTS), w, K, 3);
            }
            List<Map<String, Double>> rows = new ArrayList<>();
            rows.add(Map.of("epoch", 1.0, "nc1", 1.0 / d, "train_accuracy", 0.9));
            db.markRunning(r.id(), "2026-01-01T00:00:00Z", "nclab train --feature-dim " + d, false);
            db.recordFinished(new ResultsDb.Finished(r.id(), true, "2026-01-01T00:01:00Z", 60, 0,
                    Map.of("final_nc1", 1.0 / d), new ProbeTable("epoch", rows), null));
        }
        SweepData data = SweepData.load(db, dir);
        db.close();
        return data;
    }

    @Test
    void drawsTheMarginDistributionsPerFeatureDimensionAndTheFeaturesAtDimensionThree() throws Exception {
        Path out = System.getenv("NCLAB_TEST_REPORT_OUT") != null ? Path.of(System.getenv("NCLAB_TEST_REPORT_OUT"))
                : tmp.resolve("report");
        SweepData d = sweep(tmp.resolve("sweep"));
        assertEquals(List.of("feature_dim"), d.varied());
        List<SweepFigures.Figure> figures = SweepFigures.write(d, out.resolve("figures"));
        List<String> ids = figures.stream().map(SweepFigures.Figure::id).toList();
        assertTrue(ids.containsAll(List.of("cosine-margins", "features-d3")), ids.toString());
        for (SweepFigures.Figure f : figures) {
            assertTrue(Files.size(f.png()) > 5000, f.png().toString());
            assertTrue(Files.isRegularFile(f.svg()), f.svg().toString());
        }
        SweepFigures.Figure m = figures.get(ids.indexOf("cosine-margins"));
        assertTrue(m.title().contains("feature dimension d"), m.title());
        SweepFigures.Figure f = figures.get(ids.indexOf("features-d3"));
        assertTrue(f.title().contains("2 of 4 runs"), f.title());
        Report.writeHtml(out, "final figures", "test", List.of(new Report.Section("s", "", List.of(), figures, "")));
    }

    @Test
    void aRunWithoutAFeatureDimensionSweepGetsOneLinePerLossAndNoFeaturePicture() throws Exception {
        SweepData all = sweep(tmp.resolve("sweep"));
        SweepData d10 = new SweepData(all.meta(), all.select(r -> r.settings().get("feature_dim").equals(10L)
                || r.settings().get("feature_dim").equals(10.0) || "10".equals(String.valueOf(r.settings().get("feature_dim")))),
                all.settingNames(), List.of(), all.losses(), all.stepName());
        assertEquals(4, d10.runs().size());
        List<SweepFigures.Figure> figures = SweepFigures.write(d10, tmp.resolve("figures"));
        List<String> ids = figures.stream().map(SweepFigures.Figure::id).toList();
        assertTrue(ids.contains("cosine-margins") && !ids.contains("features-d3"), ids.toString());
        assertTrue(figures.get(ids.indexOf("cosine-margins")).title().startsWith("Cosine-margin distribution of the"));
    }

    /** Arrow labels that would print over each other share one; a row seen nearly end-on gets none. */
    @Test
    void arrowLabelsThatWouldOverlapAreJoined() {
        double[][] tips = {{3, 0}, {0, 3}, {2.9, 0.1}, {0.2, 0.1}, {-3, 0}};
        assertArrayEquals(new String[] {"w₀ w₂", "w₁", null, null, "w₄"}, FinalFigures.arrowLabels(tips, 8));
        // tips far enough apart on screen keep their own labels
        assertArrayEquals(new String[] {"w₀", "w₁", "w₂", null, "w₄"},
                FinalFigures.arrowLabels(new double[][] {{3, 0}, {0, 3}, {2.0, 0.5}, {0.2, 0.1}, {-3, 0}}, 8));
        assertEquals(0, FinalFigures.arrowLabels(new double[0][], 1).length);
    }

    @Test
    void quantilesOfASortedSampleInterpolateBetweenItsValues() {
        double[] q = FinalFigures.quantiles(new double[] {0, 1, 2, 3, 4});
        assertEquals(201, q.length);
        assertEquals(0, q[0]);
        assertEquals(4, q[200]);
        assertEquals(2, q[100], 1e-12);
        assertEquals(0.5, q[25], 1e-12);
        assertArrayEquals(new double[] {7, 7}, new double[] {FinalFigures.quantiles(new double[] {7})[0],
            FinalFigures.quantiles(new double[] {7})[200]});
    }
}
