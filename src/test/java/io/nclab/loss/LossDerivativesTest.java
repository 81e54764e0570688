package io.nclab.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.nclab.nd.Nd;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every loss's analytic gradient and Hessian-vector product against central finite differences and
 * against DJL autograd, in float64, on ordinary and extreme (|z| = 50) logits.
 */
class LossDerivativesTest {
    static final int K = 5;
    static final int N = 7;
    static NDManager manager;

    @BeforeAll
    static void setUp() {
        manager = Nd.newManager();
    }

    @AfterAll
    static void tearDown() {
        manager.close();
    }

    static Stream<Arguments> cases() {
        List<String> specs = List.of("ce", "focal:gamma=0", "focal:gamma=0.5", "focal:gamma=1",
                "focal:gamma=2", "focal:gamma=3", "focal:gamma=5", "ls:alpha=0.1", "ls:alpha=0.5", "mse",
                "mse:alpha=2,m=15", "mse:alpha=0.5,m=3");
        return specs.stream().flatMap(s -> Stream.of(Arguments.of(s, 1.0), Arguments.of(s, 4.0)));
    }

    static Stream<String> specs() {
        return cases().map(a -> (String) a.get()[0]).distinct();
    }

    private static int[] labels(Random rnd) {
        int[] y = new int[N];
        for (int i = 0; i < N; i++) {
            y[i] = rnd.nextInt(K);
        }
        return y;
    }

    private static NDArray gaussian(Random rnd, double scale) {
        double[] a = new double[K * N];
        for (int i = 0; i < a.length; i++) {
            a[i] = scale * rnd.nextGaussian();
        }
        return manager.create(a, new Shape(K, N));
    }

    private static double total(Loss loss, NDArray z, NDArray y) {
        try (NDArray v = loss.values(z, y)) {
            return Nd.toDoubles(v.sum())[0];
        }
    }

    static double relErr(double[] a, double[] b) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < a.length; i++) {
            num += (a[i] - b[i]) * (a[i] - b[i]);
            den = Math.max(den, Math.max(a[i] * a[i], b[i] * b[i]));
        }
        return Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-8);
    }

    @ParameterizedTest(name = "{0} scale {1}")
    @MethodSource("cases")
    void gradientMatchesFiniteDifferencesAndAutograd(String spec, double scale) {
        Loss loss = LossSpec.parse(spec);
        Random rnd = new Random(spec.hashCode() + (long) scale);
        try (NDManager m = manager.newSubManager()) {
            NDArray y = Nd.oneHotColumns(m, labels(rnd), K);
            NDArray z = gaussian(rnd, scale);
            z.attach(m);
            double[] g = Nd.toDoubles(loss.gradient(z, y));
            double[] zz = Nd.toDoubles(z);
            double[] fd = new double[zz.length];
            double h = 1e-5;
            for (int i = 0; i < zz.length; i++) {
                double[] p = zz.clone();
                double[] q = zz.clone();
                p[i] += h;
                q[i] -= h;
                fd[i] = (total(loss, m.create(p, z.getShape()), y) - total(loss, m.create(q, z.getShape()), y))
                        / (2 * h);
            }
            assertTrue(relErr(g, fd) < 1e-6, spec + " gradient vs finite differences: " + relErr(g, fd));

            double[] auto = autogradGradient(loss, zz, y, m);
            assertTrue(relErr(g, auto) < 1e-10, spec + " gradient vs autograd: " + relErr(g, auto));
        }
    }

    private static double[] autogradGradient(Loss loss, double[] zz, NDArray y, NDManager m) {
        NDArray z = m.create(zz, new Shape(K, N));
        z.setRequiresGradient(true);
        try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
            NDArray total = loss.values(z, y).sum();
            gc.backward(total);
        }
        return Nd.toDoubles(z.getGradient());
    }

    @ParameterizedTest(name = "{0} scale {1}")
    @MethodSource("cases")
    void hessianVectorMatchesDifferencesOfGradients(String spec, double scale) {
        Loss loss = LossSpec.parse(spec);
        Random rnd = new Random(31L * spec.hashCode() + (long) scale);
        try (NDManager m = manager.newSubManager()) {
            NDArray y = Nd.oneHotColumns(m, labels(rnd), K);
            NDArray z = gaussian(rnd, scale);
            NDArray v = gaussian(rnd, 1.0);
            z.attach(m);
            v.attach(m);
            double[] hv = Nd.toDoubles(loss.hessianVector(z, y, v));
            double[] zz = Nd.toDoubles(z);
            double[] vv = Nd.toDoubles(v);
            double h = 1e-5;
            double[] p = zz.clone();
            double[] q = zz.clone();
            for (int i = 0; i < zz.length; i++) {
                p[i] += h * vv[i];
                q[i] -= h * vv[i];
            }
            double[] gp = Nd.toDoubles(loss.gradient(m.create(p, z.getShape()), y));
            double[] gq = Nd.toDoubles(loss.gradient(m.create(q, z.getShape()), y));
            double[] ap = autogradGradient(loss, p, y, m);
            double[] aq = autogradGradient(loss, q, y, m);
            double[] fd = new double[zz.length];
            double[] fdAuto = new double[zz.length];
            for (int i = 0; i < zz.length; i++) {
                fd[i] = (gp[i] - gq[i]) / (2 * h);
                fdAuto[i] = (ap[i] - aq[i]) / (2 * h);
            }
            assertTrue(relErr(hv, fd) < 1e-6, spec + " Hv vs finite differences: " + relErr(hv, fd));
            assertTrue(relErr(hv, fdAuto) < 1e-6, spec + " Hv vs autograd differences: " + relErr(hv, fdAuto));
        }
    }

    @ParameterizedTest
    @MethodSource("specs")
    void extremeLogitsStayFinite(String spec) {
        Loss loss = LossSpec.parse(spec);
        try (NDManager m = manager.newSubManager()) {
            // columns: correct and confident, wrong and confident, ties, mixed ±50
            double[][] cols = {
                {50, -50, -50}, {-50, 50, -50}, {50, 50, 50}, {50, -50, 50}, {0, 0, -50}, {-50, -50, -50}
            };
            int k = 3;
            int n = cols.length;
            double[] z = new double[k * n];
            int[] lab = new int[n];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < k; j++) {
                    z[j * n + i] = cols[i][j];
                }
                lab[i] = 0;
            }
            NDArray zz = m.create(z, new Shape(k, n));
            NDArray y = Nd.oneHotColumns(m, lab, k);
            NDArray v = zz.onesLike();
            for (double x : Nd.toDoubles(loss.values(zz, y))) {
                assertTrue(Double.isFinite(x), spec + " value " + x);
            }
            for (double x : Nd.toDoubles(loss.gradient(zz, y))) {
                assertTrue(Double.isFinite(x), spec + " gradient " + x);
            }
            for (double x : Nd.toDoubles(loss.hessianVector(zz, y, v))) {
                assertTrue(Double.isFinite(x), spec + " Hv " + x);
            }
            // training's default gradient is autograd through values(), in float32 too, where a top logit 104
            // ahead makes 1 − p_k exactly 0 (focal with γ < 1 gave NaN there)
            for (DataType type : new DataType[] {DataType.FLOAT64, DataType.FLOAT32}) {
                double[] zs = z.clone();
                zs[n - 1] = 104; // the last column becomes (104, 0, 0) with label 0 after the loop below
                for (int j = 1; j < k; j++) {
                    zs[j * n + n - 1] = 0;
                }
                NDArray zt = m.create(zs, new Shape(k, n)).toType(type, false);
                zt.setRequiresGradient(true);
                try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
                    gc.backward(loss.values(zt, y.toType(type, false)).sum());
                }
                for (double x : Nd.toDoubles(zt.getGradient())) {
                    assertTrue(Double.isFinite(x), spec + " autograd gradient in " + type + ": " + x);
                }
            }
            // the confident, correct column has loss ~0 for the softmax losses, 100 for the wrong one
            double[] vals = Nd.toDoubles(loss.values(zz, y));
            if (loss.name().equals("ce")) {
                assertEquals(100.0, vals[1], 1e-9);
                assertEquals(0.0, vals[0], 1e-20);
            }
        }
    }

    /**
     * Each loss's value against its equation written out here in doubles ((3)-(5) of the losses paper and the
     * rescaled square loss), on ordinary and extreme logits: the derivative checks above differentiate the same
     * {@code values}, so they cannot see a wrong value. The reference is exact (log p_k = log1p(−Σ_{j≠k} p_j)
     * for a confident sample), and so are the losses in float64: a plain log-softmax, z_k − logsumexp(z), would
     * read 0 at z = (50, −50, −50), where CE is 7e-44, and keep 8 digits at (20, 0, 0).
     */
    @org.junit.jupiter.api.Test
    void valuesAreTheirEquations() {
        double[][] columns = {{50, -50, -50}, {20, 0, 0}, {-50, 50, 50}, {0.3, -1.2, 2.5}, {1, 1, 1}, {-3, 0.5, 0.1}};
        int k = 3;
        int n = columns.length;
        double[] z = new double[k * n];
        int[] lab = new int[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < k; j++) {
                z[j * n + i] = columns[i][j];
            }
            lab[i] = new int[] {0, 0, 1, 0, 2, 1}[i]; // (50, −50, −50) and (20, 0, 0): confident and correct
        }
        for (String spec : List.of("ce", "focal:gamma=1", "focal:gamma=3", "ls:alpha=0.1", "mse", "mse:alpha=2,m=15")) {
            Loss loss = LossSpec.parse(spec);
            try (NDManager m = manager.newSubManager()) {
                double[] got = Nd.toDoubles(loss.values(m.create(z, new Shape(k, n)), Nd.oneHotColumns(m, lab, k)));
                for (int i = 0; i < n; i++) {
                    double[] c = columns[i];
                    int y = lab[i];
                    double lse = logSumExp(c);
                    double others = othersOf(softmaxOf(c, y), y); // 1 − p_y without the cancellation
                    // exact: for a confident sample the log-softmax's z_y − lse has lost the digits of log p_y
                    double logP = others < 0.25 ? Math.log1p(-others) : c[y] - lse;
                    double want = switch (spec) {
                        case "ce" -> -logP;
                        case "focal:gamma=1" -> -others * logP;
                        case "focal:gamma=3" -> -Math.pow(others, 3) * logP;
                        case "ls:alpha=0.1" -> {
                            double l = 0;
                            for (int j = 0; j < k; j++) {
                                l -= ((j == y ? 0.9 : 0) + 0.1 / k) * (c[j] - lse);
                            }
                            yield l;
                        }
                        case "mse" -> {
                            double l = 0;
                            for (int j = 0; j < k; j++) {
                                l += (c[j] - (j == y ? 1 : 0)) * (c[j] - (j == y ? 1 : 0));
                            }
                            yield l / 2;
                        }
                        default -> {
                            double l = 2 * (c[y] - 15) * (c[y] - 15);
                            for (int j = 0; j < k; j++) {
                                l += j == y ? 0 : c[j] * c[j];
                            }
                            yield l / 2;
                        }
                    };
                    assertTrue(want >= 0, spec + " column " + i);
                    assertEquals(want, got[i], 1e-12 * want, spec + " column " + i);
                }
            }
        }
    }

    /**
     * Gradients and Hessian products of confident samples (1 − p_y from 1e-4 down to 1e-21) to 1e-12 relative in
     * every entry, against the formulas written out here with 1 − p_y = Σ_{j≠y} p_j: p_y − 1 computed as such
     * keeps no digit below ε, and v_y − ⟨p, v⟩ none below ε·|v|.
     */
    @org.junit.jupiter.api.Test
    void confidentSamplesKeepTheirDigits() {
        // the last column: confident in another class than the target
        double[][] columns = {{10, 0, 0.5}, {20, 0, -1}, {30, 1, 2}, {50, 0, 0}, {3, -7, 40}, {40, 0, 3}};
        int[] lab = {0, 0, 0, 0, 2, 1};
        double[] v = {0.7, -1.3, 0.4};
        int k = 3;
        int n = columns.length;
        double[] z = new double[k * n];
        double[] vv = new double[k * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < k; j++) {
                z[j * n + i] = columns[i][j];
                vv[j * n + i] = v[j];
            }
        }
        // ls:alpha=1e-20: 1 − q_y = α(K−1)/K must not go through fl(1 − α + α/K) = 1
        for (String spec : List.of("ce", "ls:alpha=0.1", "ls:alpha=1e-20", "focal:gamma=1", "focal:gamma=3")) {
            Loss loss = LossSpec.parse(spec);
            try (NDManager m = manager.newSubManager()) {
                NDArray zz = m.create(z, new Shape(k, n));
                NDArray y = Nd.oneHotColumns(m, lab, k);
                double[] g = Nd.toDoubles(loss.gradient(zz, y));
                double[] hv = Nd.toDoubles(loss.hessianVector(zz, y, m.create(vv, new Shape(k, n))));
                for (int i = 0; i < n; i++) {
                    double[] c = columns[i];
                    int t = lab[i];
                    double[] p = softmaxOf(c, t);
                    double others = othersOf(p, t);
                    double[] q = new double[k]; // the targets, and q_t written as 1 − (1 − q_t)
                    double alpha = spec.startsWith("ls") ? Double.parseDouble(spec.substring(spec.indexOf('=') + 1)) : 0;
                    double qRest = alpha * (k - 1) / k;
                    for (int j = 0; j < k; j++) {
                        q[j] = j == t ? 1 - qRest : qRest / (k - 1);
                    }
                    int top = 0; // the most confident class, the target or not
                    for (int j = 1; j < k; j++) {
                        top = c[j] > c[top] ? j : top;
                    }
                    double rest = othersOf(p, top); // 1 − p_top
                    double pvRest = 0; // Σ_{j≠top} p_j v_j
                    for (int j = 0; j < k; j++) {
                        pvRest += j == top ? 0 : p[j] * v[j];
                    }
                    double[] wantG = new double[k];
                    double[] wantHv = new double[k];
                    for (int j = 0; j < k; j++) {
                        // p − q, the target entry without cancellation; p ⊙ (v − ⟨p, v⟩), the top entry as
                        // (1 − p_top) v_top − Σ_{j≠top} p_j v_j
                        double diff = j == t ? qRest - others : p[j] - q[j];
                        double centred = j == top ? rest * v[top] - pvRest : v[j] - (pvRest + p[top] * v[top]);
                        wantHv[j] = p[j] * centred;
                        wantG[j] = diff;
                    }
                    if (spec.startsWith("focal")) {
                        double gamma = Double.parseDouble(spec.substring(spec.indexOf('=') + 1));
                        double ell = Math.log1p(-others);
                        double a = Math.pow(others, gamma) * (gamma * p[t] * ell / others - 1);
                        for (int j = 0; j < k; j++) {
                            wantG[j] = -a * wantG[j]; // a (e_t − p)
                        }
                    }
                    for (int j = 0; j < k; j++) {
                        double got = g[j * n + i];
                        assertEquals(wantG[j], got, 1e-12 * Math.abs(wantG[j]), spec + " gradient, column " + i
                                + ", entry " + j);
                        if (!spec.startsWith("focal")) {
                            assertEquals(wantHv[j], hv[j * n + i], 1e-12 * Math.abs(wantHv[j]) + 1e-300,
                                    spec + " Hv, column " + i + ", entry " + j);
                        }
                    }
                }
            }
        }
    }

    /** log Σ_j e^{c_j}, shifted by the largest c_j. */
    private static double logSumExp(double[] c) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : c) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (double v : c) {
            sum += Math.exp(v - max);
        }
        return max + Math.log(sum);
    }

    /**
     * softmax(c), with entry {@code y} written as 1 − Σ_{j≠y} p_j where it is the top one, so that 1 − p_y (= Σ_{j≠y}
     * p_j, each term exact to a few ulps) keeps its digits when p_y ≈ 1.
     */
    private static double[] softmaxOf(double[] c, int y) {
        double lse = logSumExp(c);
        double[] p = new double[c.length];
        double others = 0;
        for (int j = 0; j < c.length; j++) {
            p[j] = Math.exp(c[j] - lse);
            others += j == y ? 0 : p[j];
        }
        if (c[y] == Arrays.stream(c).max().getAsDouble()) {
            p[y] = 1 - others; // the target is the top entry: its share without the cancellation
        }
        return p;
    }

    /** Σ_{j≠y} p_j: 1 − p_y without the cancellation. */
    private static double othersOf(double[] p, int y) {
        double others = 0;
        for (int j = 0; j < p.length; j++) {
            others += j == y ? 0 : p[j];
        }
        return others;
    }

    /**
     * valuesAndGradient gives exactly values and gradient, in float64 (ordinary, and confident columns that take the
     * exact softmax forms) and in float32 (training's path).
     */
    @ParameterizedTest(name = "{0} scale {1}")
    @MethodSource("cases")
    void valuesAndGradientAreValuesAndGradientExactly(String spec, double scale) {
        Loss loss = LossSpec.parse(spec);
        Random rnd = new Random(spec.hashCode() + 7 * (long) scale);
        for (double extra : new double[] {1, 30}) {
            for (ai.djl.ndarray.types.DataType type : List.of(ai.djl.ndarray.types.DataType.FLOAT64,
                    ai.djl.ndarray.types.DataType.FLOAT32)) {
                try (NDManager m = manager.newSubManager()) {
                    NDArray y = Nd.oneHotColumns(m, labels(rnd), K).toType(type, false);
                    NDArray z = gaussian(rnd, scale * extra).toType(type, false);
                    z.attach(m);
                    ai.djl.ndarray.NDList both = loss.valuesAndGradient(z, y);
                    String what = spec + " x" + extra + " " + type;
                    assertTrue(Arrays.equals(Nd.toDoubles(loss.values(z, y)), Nd.toDoubles(both.get(0))), what);
                    assertTrue(Arrays.equals(Nd.toDoubles(loss.gradient(z, y)), Nd.toDoubles(both.get(1))), what);
                }
            }
        }
    }

    /**
     * The closed-form Hessians (diagonal plus low rank) are the Hessian-vector products with the unit vectors, to 64 ulps
     * of the size of their terms: on ordinary logits, on confident ones (a top logit 40 ahead: the exact softmax forms,
     * where p_top − p_top² would be off by 1e16 of that size), with tied top logits and confidently wrong ones.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("specs")
    void closedFormHessiansAreTheProductsWithTheUnitVectors(String spec) {
        Loss loss = LossSpec.parse(spec);
        Random rnd = new Random(17L * spec.hashCode());
        for (String kind : List.of("ordinary", "confident", "tied", "wrong")) {
            try (NDManager m = manager.newSubManager()) {
                double[] zz = Nd.toDoubles(gaussian(rnd, 2.0));
                int[] labels = labels(rnd);
                for (int i = 0; i < N; i++) {
                    if (kind.equals("confident")) {
                        zz[(i % K) * N + i] += 40;
                    } else if (kind.equals("tied")) {
                        zz[(i % K) * N + i] = 30;
                        zz[((i + 1) % K) * N + i] = 30;
                    } else if (kind.equals("wrong")) {
                        zz[((labels[i] + 1) % K) * N + i] += 40;
                    }
                }
                NDArray z = m.create(zz, new Shape(K, N));
                NDArray y = Nd.oneHotColumns(m, labels, K);
                LogitHessians h = loss.hessians(z, y);
                assertEquals(N, h.samples());
                assertEquals(K, h.classes());
                double[][] dense = new double[N][];
                for (int i = 0; i < N; i++) {
                    dense[i] = h.dense(i);
                }
                for (int c = 0; c < K; c++) {
                    double[] e = new double[K * N];
                    Arrays.fill(e, c * N, (c + 1) * N, 1.0);
                    double[] column = Nd.toDoubles(loss.hessianVector(z, y, m.create(e, new Shape(K, N))));
                    for (int i = 0; i < N; i++) {
                        double tol = 64 * Math.ulp(h.termScale(i));
                        for (int r = 0; r < K; r++) {
                            assertEquals(column[r * N + i], dense[i][r * K + c], tol,
                                    spec + ", " + kind + ": sample " + i + ", entry (" + r + ", " + c + ")");
                        }
                    }
                }
            }
        }
    }
}
