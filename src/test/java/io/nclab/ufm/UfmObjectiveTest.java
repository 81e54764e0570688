package io.nclab.ufm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import io.nclab.loss.LossSpec;
import io.nclab.nd.Nd;
import org.junit.jupiter.api.Test;

class UfmObjectiveTest {

    /** The fused step, in place or not, is x − η∇f(x) with ∇f at the old point for every block. */
    @Test
    void theFusedStepIsAGradientStepFromTheOldPoint() {
        for (String spec : new String[] {"ce", "mse:alpha=2,m=3"}) {
            UfmProblem p = UfmProblem.balanced(LossSpec.parse(spec), 4, 6, 5, 1e-2, 2e-2, 3e-2, true);
            double lr = 0.3;
            for (boolean wantNorm : new boolean[] {false, true}) {
                try (NDManager m = Nd.newManager(); UfmObjective f = new UfmObjective(p, m);
                        UfmPoint x = UfmPoint.gaussian(m, p, 3, 0.5);
                        UfmPoint g = f.gradient(x);
                        UfmPoint expected = x.linear(1, -lr, g)) {
                    double norm = f.descend(x, lr, wantNorm);
                    if (wantNorm) {
                        assertEquals(g.norm(), norm, 1e-12 * g.norm());
                    }
                    double[][] want = {Nd.toDoubles(expected.w()), Nd.toDoubles(expected.h()),
                        Nd.toDoubles(expected.b())};
                    double[][] got = {Nd.toDoubles(x.w()), Nd.toDoubles(x.h()), Nd.toDoubles(x.b())};
                    for (int a = 0; a < 3; a++) {
                        for (int i = 0; i < want[a].length; i++) {
                            assertEquals(want[a][i], got[a][i], 1e-13, spec + ", block " + a + ", entry " + i);
                        }
                    }
                }
            }
        }
    }
}
