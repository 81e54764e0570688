package io.nclab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import io.nclab.io.Json;
import io.nclab.io.Npy;
import io.nclab.metrics.CollapseMetrics;
import io.nclab.nd.Nd;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code nclab metrics} as a user runs it: .npy files in, a table or one JSON object out. */
class MetricsCommandTest {
    static NDManager manager;
    @TempDir
    static Path dir;
    static final int N = 120;
    static final int D = 6;
    static final int K = 4;
    static int[] labels = new int[N];

    @BeforeAll
    static void files() {
        manager = Nd.newManager();
        Random rnd = new Random(3);
        double[] h = new double[N * D];
        double[] w = new double[K * D];
        long[] y = new long[N];
        for (int i = 0; i < N; i++) {
            labels[i] = i % K;
            y[i] = labels[i];
            for (int j = 0; j < D; j++) {
                h[i * D + j] = (j == labels[i] ? 4 : 0) + rnd.nextGaussian();
            }
        }
        for (int i = 0; i < w.length; i++) {
            w[i] = (i / D == i % D ? 1 : 0) + 0.2 * rnd.nextGaussian();
        }
        Npy.write(dir.resolve("h.npy"), manager.create(h, new Shape(N, D)).toType(DataType.FLOAT32, false));
        Npy.write(dir.resolve("y.npy"), manager.create(y));
        Npy.write(dir.resolve("w.npy"), manager.create(w, new Shape(K, D)));
        Npy.write(dir.resolve("b.npy"), manager.create(new double[] {0.1, -0.2, 0.3, 0}));
        Npy.write(dir.resolve("yf.npy"), manager.create(new double[N]));
        double[] wNan = w.clone();
        wNan[D + 1] = Double.NaN;
        Npy.write(dir.resolve("wnan.npy"), manager.create(wNan, new Shape(K, D)));
        Npy.write(dir.resolve("binf.npy"), manager.create(new double[] {0, 0, Double.POSITIVE_INFINITY, 0}));
        long[] gap = y.clone();
        gap[0] = 7; // labels 0..3 and one 7: classes 4..6 are empty
        Npy.write(dir.resolve("ygap.npy"), manager.create(gap));
        long[] huge = y.clone();
        huge[3] = Integer.MAX_VALUE; // K = 2^31 from the labels: nothing of that size may be allocated
        Npy.write(dir.resolve("yhuge.npy"), manager.create(huge));
        Npy.write(dir.resolve("yempty.npy"), manager.create(new long[0]));
        Npy.write(dir.resolve("wt.npy"), manager.create(w, new Shape(K, D)).transpose());
        Npy.write(dir.resolve("b22.npy"), manager.create(new double[] {0.1, -0.2, 0.3, 0}, new Shape(2, 2)));
        Npy.write(dir.resolve("b41.npy"), manager.create(new double[] {0.1, -0.2, 0.3, 0}, new Shape(4, 1)));
        // squares of 1e-160 underflow: before, wrong values with nothing said (or a message about overflow)
        Npy.write(dir.resolve("wtiny.npy"), manager.create(w, new Shape(K, D)).mul(1e-170));
        Npy.write(dir.resolve("wzero.npy"), manager.create(new double[K * D], new Shape(K, D)));
        Npy.write(dir.resolve("htiny.npy"), manager.create(h, new Shape(N, D)).mul(1e-160));
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    /** Exit code, standard output and standard error of {@code nclab args...}. */
    static CliRunner.Result run(String... args) {
        return CliRunner.run(args);
    }

    static String f(String name) {
        return dir.resolve(name).toString();
    }

    @Test
    void jsonKeysAreExactlyTheMetricNames() throws Exception {
        CliRunner.Result r = run("metrics", "--features", f("h.npy"), "--labels", f("y.npy"), "--weights", f("w.npy"),
                "--bias", f("b.npy"), "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode node = Json.MAPPER.readTree(r.out().trim());
        List<String> keys = new ArrayList<>();
        node.fieldNames().forEachRemaining(keys::add);
        assertEquals(CollapseMetrics.NAMES, keys);
        // The same numbers as the engine called on the same float32 values.
        NDArray h = Npy.read(dir.resolve("h.npy"), manager);
        CollapseMetrics m = CollapseMetrics.measure(h, labels, K, Npy.read(dir.resolve("w.npy"), manager),
                Npy.read(dir.resolve("b.npy"), manager));
        for (String name : keys) {
            assertEquals(m.values().get(name), node.get(name).asDouble(), 1e-12 * Math.max(1, Math.abs(m.values()
                    .get(name))), name);
        }
    }

    /**
     * The first pass made as the features' file is read (its rows summed piece by piece on worker threads: here 2,100
     * rows of 1,024 float32, read in steps of 4 MB, summed in two chunks) gives the engine's numbers to the last bit.
     */
    @Test
    void theFirstPassDuringTheReadGivesTheEnginesNumbersBitForBit() throws Exception {
        int n = 2100;
        int d = 1024;
        int k = 7;
        Random rnd = new Random(8);
        float[] h = new float[n * d];
        long[] y = new long[n];
        int[] yi = new int[n];
        for (int i = 0; i < n; i++) {
            yi[i] = i < k ? i : rnd.nextInt(k);
            y[i] = yi[i];
            for (int j = 0; j < d; j++) {
                h[i * d + j] = (float) ((j % k == yi[i] ? 2 : 0) + rnd.nextGaussian());
            }
        }
        double[] w = new double[k * d];
        for (int i = 0; i < w.length; i++) {
            w[i] = rnd.nextGaussian();
        }
        try (NDManager m = manager.newSubManager()) {
            NDArray features = m.create(h, new Shape(n, d));
            NDArray weights = m.create(w, new Shape(k, d));
            Npy.write(dir.resolve("hbig.npy"), features);
            Npy.write(dir.resolve("ybig.npy"), m.create(y));
            Npy.write(dir.resolve("wbig.npy"), weights);
            CliRunner.Result r = run("metrics", "--features", f("hbig.npy"), "--labels", f("ybig.npy"), "--weights",
                    f("wbig.npy"), "--json");
            assertEquals(0, r.code(), r.err());
            JsonNode node = Json.MAPPER.readTree(r.out().trim());
            CollapseMetrics want = CollapseMetrics.measure(features, yi, k, weights, null);
            for (var e : want.values().entrySet()) {
                assertEquals(e.getValue(), node.get(e.getKey()).asDouble(), 0.0, e.getKey());
            }
        }
    }

    /**
     * float16 features and classifier (mixed-precision training saves them) and uint8, int8 or int16 labels give
     * exactly the metrics of the same values saved as float32 and int64.
     */
    @Test
    void halfFeaturesAndSmallIntegerLabelsGiveTheSameMetrics() throws Exception {
        NDArray h = Npy.read(dir.resolve("h.npy"), manager).toType(DataType.FLOAT16, false);
        NDArray w = Npy.read(dir.resolve("w.npy"), manager).toType(DataType.FLOAT16, false);
        Files.write(dir.resolve("h16.npy"), file(Npy.DType.FLOAT16, bytes(h), N, D));
        Files.write(dir.resolve("w16.npy"), file(Npy.DType.FLOAT16, bytes(w), K, D));
        // the same values, widened, as float32 and int64
        Npy.write(dir.resolve("h16as32.npy"), h.toType(DataType.FLOAT32, false));
        Npy.write(dir.resolve("w16as32.npy"), w.toType(DataType.FLOAT32, false));
        String expected = run("metrics", "--features", f("h16as32.npy"), "--labels", f("y.npy"), "--weights",
                f("w16as32.npy"), "--json").out();
        byte[] u1 = new byte[N];
        ByteBuffer i2 = ByteBuffer.allocate(2 * N).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < N; i++) {
            u1[i] = (byte) labels[i];
            i2.putShort((short) labels[i]);
        }
        Files.write(dir.resolve("yu1.npy"), file(Npy.DType.UINT8, u1, N));
        Files.write(dir.resolve("yi1.npy"), file(Npy.DType.INT8, u1, N));
        Files.write(dir.resolve("yi2.npy"), file(Npy.DType.INT16, i2.array(), N));
        for (String y : new String[] {"yu1.npy", "yi1.npy", "yi2.npy"}) {
            CliRunner.Result r = run("metrics", "--features", f("h16.npy"), "--labels", f(y), "--weights", f("w16.npy"),
                    "--json");
            assertEquals(0, r.code(), r.err());
            assertEquals(expected, r.out(), y);
        }
        assertTrue(expected.contains("\"nc1\""), expected);
    }

    /** A .npy file of this type and shape around raw little-endian data, as np.save writes it. */
    private static byte[] file(Npy.DType type, byte[] data, long... shape) throws java.io.IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Npy.writeHeader(out, type, shape);
        out.write(data);
        return out.toByteArray();
    }

    private static byte[] bytes(NDArray a) {
        ByteBuffer data = a.toByteBuffer().order(java.nio.ByteOrder.LITTLE_ENDIAN);
        byte[] b = new byte[data.remaining()];
        data.get(b);
        return b;
    }

    /** Two class means that coincide up to round-off: the CDNV is null in JSON and "undefined" in the table. */
    @Test
    void cdnvOfCoincidingMeansIsNullAndUndefined() throws Exception {
        double[] h = new double[N * D];
        long[] y = new long[N];
        Random rnd = new Random(4);
        for (int i = 0; i < N; i++) {
            y[i] = i % K;
            for (int j = 0; j < D; j++) {
                // classes 0 and 1 share the mean e_0 (up to the rounding of ±0.1·(1/3)); 2 and 3 have their own
                int centre = y[i] <= 1 ? 0 : (int) y[i];
                double spread = (i / K) % 2 == 0 ? 0.1 / 3 : -0.1 / 3;
                h[i * D + j] = (j == centre ? 1 : 0) + (j == 5 ? spread : 0.1 * rnd.nextGaussian());
            }
        }
        // centre each class's noise exactly enough that only round-off separates the means of 0 and 1
        for (int c = 0; c <= 1; c++) {
            for (int j = 0; j < 5; j++) {
                double mean = 0;
                for (int i = c; i < N; i += K) {
                    mean += h[i * D + j] - (j == 0 ? 1 : 0);
                }
                mean /= N / K;
                for (int i = c; i < N; i += K) {
                    h[i * D + j] -= mean;
                }
            }
        }
        Npy.write(dir.resolve("hcoinc.npy"), manager.create(h, new Shape(N, D)));
        Npy.write(dir.resolve("ycoinc.npy"), manager.create(y));
        CliRunner.Result r = run("metrics", "--features", f("hcoinc.npy"), "--labels", f("ycoinc.npy"), "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode node = Json.MAPPER.readTree(r.out().trim());
        assertTrue(node.get("cdnv").isNull(), r.out());
        assertTrue(node.get("nc1").isNumber(), r.out());
        CliRunner.Result table = run("metrics", "--features", f("hcoinc.npy"), "--labels", f("ycoinc.npy"));
        assertEquals(0, table.code(), table.err());
        assertTrue(table.out().lines().anyMatch(l -> l.contains(" cdnv ") && l.contains("undefined")), table.out());
    }

    @Test
    void withoutWeightsTheClassifierMetricsAreOmittedAndTheTableHasOneRowEach() {
        CliRunner.Result r = run("metrics", "--features", f("h.npy"), "--labels", f("y.npy"), "--no-numerical-rank");
        assertEquals(0, r.code(), r.err());
        for (String name : CollapseMetrics.NAMES) {
            boolean expected = !CollapseMetrics.NEED_CLASSIFIER.contains(name) && !name.equals("numerical_rank");
            assertEquals(expected, r.out().contains(" " + name + " "), name + " in\n" + r.out());
        }
    }

    @Test
    void marginsAreWrittenSorted() throws Exception {
        Path csv = dir.resolve("margins.csv");
        CliRunner.Result r = run("metrics", "--features", f("h.npy"), "--labels", f("y.npy"), "--weights", f("w.npy"),
                "--margins-out", csv.toString(), "--json", "--timings");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().startsWith("timings: read"), r.err());
        List<String> lines = Files.readAllLines(csv);
        assertEquals("cosine_margin", lines.get(0));
        double[] v = lines.stream().skip(1).mapToDouble(Double::parseDouble).toArray();
        assertEquals(N, v.length);
        double[] sorted = v.clone();
        Arrays.sort(sorted);
        assertTrue(Arrays.equals(sorted, v));
        JsonNode node = Json.MAPPER.readTree(r.out().trim());
        assertEquals(node.get("cosine_margin_min").asDouble(), v[0], 1e-15);
        assertEquals(node.get("cosine_margin_mean").asDouble(), Arrays.stream(v).average().orElseThrow(), 1e-12);
    }

    @Test
    void aBiasOfKRowsAndTheVersionAreAccepted() {
        CliRunner.Result r = run("metrics", "--features", f("h.npy"), "--labels", f("y.npy"), "--weights", f("w.npy"),
                "--bias", f("b41.npy"), "--json", "--no-numerical-rank");
        assertEquals(0, r.code(), r.err());
        // the same bias as the K-vector b.npy: the same numbers, so it was used (not dropped)
        CliRunner.Result k = run("metrics", "--features", f("h.npy"), "--labels", f("y.npy"), "--weights", f("w.npy"),
                "--bias", f("b.npy"), "--json", "--no-numerical-rank");
        CliRunner.Result none = run("metrics", "--features", f("h.npy"), "--labels", f("y.npy"), "--weights",
                f("w.npy"), "--json", "--no-numerical-rank");
        assertEquals(k.lastLine(), r.lastLine());
        assertNotEquals(none.lastLine(), r.lastLine(), "b = 0 gives another bias_relation");
        CliRunner.Result v = run("metrics", "--version");
        assertEquals(0, v.code(), v.err());
        assertTrue(v.out().startsWith("nclab "), v.out());
    }

    /**
     * --margins-out replaces an existing file only if it ends in .csv, as results --out does: an unrelated .npy
     * (not an input) or notes.txt is refused in one line and left as it was; an old .csv is replaced.
     */
    @Test
    void marginsOutReplacesOnlyACsv() throws Exception {
        Path npy = Files.copy(dir.resolve("b.npy"), dir.resolve("other.npy"));
        Path notes = Files.writeString(dir.resolve("notes.txt"), "notes");
        for (Path p : List.of(npy, notes)) {
            byte[] before = Files.readAllBytes(p);
            CliRunner.Result r = run("metrics", "--features", f("h.npy"), "--labels", f("y.npy"), "--weights",
                    f("w.npy"), "--margins-out", p.toString());
            assertEquals(2, r.code(), r.err());
            assertEquals("nclab metrics: --margins-out " + p + " exists and is not a .csv file; name a new file or a"
                    + " .csv to replace", r.err().strip());
            assertTrue(Arrays.equals(before, Files.readAllBytes(p)), p + " untouched");
        }
        Path old = Files.writeString(dir.resolve("old.CSV"), "stale\n");
        CliRunner.Result r = run("metrics", "--features", f("h.npy"), "--labels", f("y.npy"), "--weights", f("w.npy"),
                "--margins-out", old.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.readString(old).startsWith("cosine_margin\n"));
    }

    @Test
    void mistakesAreOneLineAndExitTwo() {
        String[][] bad = {
            {"metrics", "--features", f("h.npy"), "--labels", f("yf.npy")},
            {"metrics", "--features", f("h.npy"), "--labels", f("y.npy"), "--margins-out", f("m.csv")},
            {"metrics", "--features", f("h.npy"), "--labels", f("y.npy"), "--weights", f("w.npy"), "--classes", "5"},
            {"metrics", "--features", f("h.npy"), "--labels", f("y.npy"), "--classes", "5"},
            {"metrics", "--features", f("missing.npy"), "--labels", f("y.npy")},
            {"metrics", "--features", f("y.npy"), "--labels", f("y.npy")},
            {"metrics", "--features", f("h.npy"), "--labels", f("y.npy"), "--cdnv-exponent", "0"},
            {"metrics", "--features", f("h.npy"), "--labels", f("y.npy"), "--cdnv-exponent", "1e400"},
            {"metrics", "--features", f("h.npy"), "--labels", f("y.npy"), "--weights", f("wnan.npy")},
            {"metrics", "--features", f("h.npy"), "--labels", f("y.npy"), "--weights", f("w.npy"), "--bias", f("binf.npy")},
            {"metrics", "--features", f("h.npy"), "--labels", f("ygap.npy")},
            {"metrics", "--features", f("h.npy"), "--labels", f("y.npy"), "--weights", f("w.npy"), "--margins-out", ""},
            {"metrics", "--features", f("h.npy"), "--labels", f("yhuge.npy")},
            {"metrics", "--features", f("h.npy"), "--labels", f("y.npy"), "--classes", "100000000"},
            {"metrics", "--features", f("h.npy"), "--labels", f("yempty.npy")},
            {"metrics", "--features", f("h.npy"), "--labels", f("y.npy"), "--weights", f("wt.npy")},
            {"metrics", "--features", f("h.npy"), "--labels", f("y.npy"), "--weights", f("w.npy"), "--bias", f("b22.npy")},
            {"metrics", "--features", f("h.npy"), "--labels", f("y.npy"), "--weights", f("w.npy"), "--margins-out",
                f("y.npy")},
            {"metrics", "--features", f("h.npy"), "--labels", f("y.npy"), "--weights", f("w.npy"), "--margins-out",
                dir.toString()},
            {"metrics", "--features", f("htiny.npy"), "--labels", f("y.npy"), "--weights", f("w.npy")},
            {"metrics", "--features", f("h.npy"), "--labels", f("y.npy"), "--weights", f("wzero.npy"), "--margins-out",
                f("zero-margins.csv")},
            {"metrics", "--features", f("h.npy"), "--labels", f("y.npy"), "--weights", f("wtiny.npy")},
        };
        String[] says = {"labels must be", "needs --weights", "has 4 rows", "class 4 has no samples", "no such file",
            "features must be", "must be a finite number > 0", "must be a finite number > 0",
            "classifier weights are not finite: row 1 holds NaN", "classifier bias is not finite: entry 2",
            "class 4 has no samples (K = 8 was taken from the largest label (7))", "an empty path",
            "class 4 has no samples (K = 2147483648 was taken from the largest label (2147483647))",
            "class 4 has no samples (--classes 100000000)", "holds no labels", "its width 4 must equal the features' d = 6",
            "the bias must be a vector of K = 4 entries, got shape (2, 2)", "is one of the input files",
            "is a directory", "the features are too small for float64", "the cosine margins are undefined for this W",
            "the classifier is too small for float64"};
        for (int i = 0; i < bad.length; i++) {
            CliRunner.Result r = run(bad[i]);
            assertEquals(2, r.code(), String.join(" ", bad[i]) + "\n" + r.err());
            assertTrue(r.err().contains(says[i]), r.err());
            assertEquals(1, r.err().strip().split("\n").length, r.err());
        }
        assertFalse(Files.exists(dir.resolve("zero-margins.csv")), "no margins file for undefined margins");
    }

    /** Metrics are announced when long: at N = 100,000, K = 10,000 (45 s measured), not at N = 50,000, d = 2,048, K = 10. */
    @Test
    void longMetricsAreAnnounced() {
        int[] many = new int[100_000];
        int[] ten = new int[50_000];
        for (int i = 0; i < many.length; i++) {
            many[i] = i % 10_000;
        }
        for (int i = 0; i < ten.length; i++) {
            ten[i] = i % 10;
        }
        assertEquals(49, MetricsCommand.estimatedSeconds(many, 10_000, 64, true), 5);
        assertEquals(0.4, MetricsCommand.estimatedSeconds(ten, 10, 2048, false), 0.2);
        assertEquals(7.5, MetricsCommand.estimatedSeconds(ten, 10, 2048, true), 2);
        assertTrue(LongWork.note(MetricsCommand.estimatedSeconds(many, 10_000, 64, false), "x") != null);
        assertEquals(null, LongWork.note(MetricsCommand.estimatedSeconds(ten, 10, 2048, true), "x"));
    }
}
