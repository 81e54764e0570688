package io.nclab.curvature;

import io.nclab.nd.SymmetricEigen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.nclab.loss.LossSpec;
import io.nclab.nd.Nd;
import io.nclab.ufm.UfmObjective;
import io.nclab.ufm.UfmPoint;
import io.nclab.ufm.UfmProblem;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The analytic UFM Hessian-vector product against central differences of the objective's gradient,
 * and Lanczos's smallest eigenpair against a dense eigen-decomposition of the same operator.
 */
class UfmHessianTest {

    static Stream<Arguments> problems() {
        return Stream.of("ce", "focal:gamma=1", "focal:gamma=3", "ls:alpha=0.1", "mse", "mse:alpha=2,m=5")
                .flatMap(s -> Stream.of(Arguments.of(s, true), Arguments.of(s, false)));
    }

    static UfmProblem problem(String spec, boolean bias) {
        return UfmProblem.balanced(LossSpec.parse(spec), 4, 5, 3, 3e-2, 2e-2, 1e-2, bias);
    }

    static double[] gaussian(int n, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = rnd.nextDouble(-1, 1);
        }
        return v;
    }

    @ParameterizedTest(name = "{0} bias={1}")
    @MethodSource("problems")
    void productMatchesDifferencesOfTheGradient(String spec, boolean bias) {
        UfmProblem p = problem(spec, bias);
        try (NDManager m = Nd.newManager(); UfmObjective f = new UfmObjective(p, m);
                UfmPoint x = UfmPoint.gaussian(m, p, 7, 0.8); UfmHessian hess = new UfmHessian(f, x)) {
            int n = hess.dimension();
            double[] x0 = hess.flatten(x);
            if (bias) {
                double[] b = gaussian(p.classes(), 3);
                System.arraycopy(b, 0, x0, n - p.classes(), p.classes());
            }
            try (UfmPoint xb = hess.unflatten(m, x0); UfmHessian at = new UfmHessian(f, xb)) {
                double[] v = gaussian(n, 11);
                double[] hv = at.apply(v);
                double eps = 1e-5;
                double[] plus = x0.clone();
                double[] minus = x0.clone();
                Lanczos.axpy(eps, v, plus);
                Lanczos.axpy(-eps, v, minus);
                double[] gp;
                double[] gm;
                try (UfmPoint xp = at.unflatten(m, plus); UfmPoint g1 = f.gradient(xp)) {
                    gp = at.flatten(g1);
                }
                try (UfmPoint xm = at.unflatten(m, minus); UfmPoint g2 = f.gradient(xm)) {
                    gm = at.flatten(g2);
                }
                double num = 0;
                double den = 0;
                for (int i = 0; i < n; i++) {
                    double fd = (gp[i] - gm[i]) / (2 * eps);
                    num += (fd - hv[i]) * (fd - hv[i]);
                    den += hv[i] * hv[i];
                }
                double rel = Math.sqrt(num / den);
                assertTrue(rel < 1e-6, spec + " bias=" + bias + ": Hv vs differences of gradients, relative " + rel);
            }
        }
    }

    @ParameterizedTest(name = "{0} bias={1}")
    @MethodSource("problems")
    void lanczosFindsTheDenseSmallestEigenpair(String spec, boolean bias) {
        UfmProblem p = problem(spec, bias);
        try (NDManager m = Nd.newManager(); UfmObjective f = new UfmObjective(p, m);
                UfmPoint x = UfmPoint.gaussian(m, p, 5, 0.5); UfmHessian hess = new UfmHessian(f, x)) {
            int n = hess.dimension();
            SymmetricEigen dense = SymmetricEigen.ofOperator(hess::apply, n);
            Lanczos.Result r = Lanczos.smallest(hess::apply, n, 1, new Lanczos.Settings(2000, 12, 4, 1e-11));
            assertTrue(r.converged(), "converged, residual " + r.residual());
            assertEquals(dense.values()[0], r.value(), 1e-9, spec + " smallest eigenvalue");
            double[] av = hess.apply(r.vector());
            double res = 0;
            for (int i = 0; i < n; i++) {
                res += Math.pow(av[i] - r.value() * r.vector()[i], 2);
            }
            assertTrue(Math.sqrt(res) < 1e-9, "eigenvector residual " + Math.sqrt(res));
            assertEquals(1.0, Lanczos.dot(r.vector(), r.vector()), 1e-12);
        }
    }
}
