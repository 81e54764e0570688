package io.nclab.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.nclab.nd.Nd;
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
            // the confident, correct column has loss ~0 for the softmax losses, 100 for the wrong one
            double[] vals = Nd.toDoubles(loss.values(zz, y));
            if (loss.name().equals("ce")) {
                assertEquals(100.0, vals[1], 1e-9);
                assertEquals(0.0, vals[0], 1e-20);
            }
        }
    }
}
