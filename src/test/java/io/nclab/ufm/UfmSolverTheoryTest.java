package io.nclab.ufm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nclab.loss.LossSpec;
import io.nclab.theory.TheoryOracle;
import io.nclab.theory.TheoryPrediction;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class UfmSolverTheoryTest {

    static UfmRun.Outcome solve(UfmProblem p, String opt, double lr, int iters, long seed) {
        UfmSettings s = new UfmSettings(p, opt, lr, iters, 1e-12, seed, 0.1, 1000);
        return UfmRun.solve(s, x -> Map.of(), r -> {}, null);
    }

    @ParameterizedTest
    @ValueSource(strings = {"ce", "focal:gamma=3", "ls:alpha=0.1"})
    void lbfgsReachesTheContrastiveOptimum(String spec) {
        UfmProblem p = UfmProblem.balanced(LossSpec.parse(spec), 10, 16, 20, 5e-3, 5e-3, 5e-3, true);
        TheoryPrediction t = TheoryOracle.predict(p);
        assertNotNull(t);
        UfmRun.Outcome o = solve(p, "lbfgs", 1, 500, 0);
        System.out.printf("%s f*=%.15g solver=%.15g rel=%.3g iters=%d gn=%.3g t=%.6g %s%n", spec, t.objective(),
                o.result().value(), (o.result().value() - t.objective()) / t.objective(), o.result().iterations(),
                o.result().gradNorm(), t.t(), o.result().stopReason());
        assertEquals(t.objective(), o.result().value(), 1e-8 * Math.abs(t.objective()));
        assertEquals(t.wNorm(), o.wNorm(), 1e-4 * t.wNorm());
        assertEquals(t.hNorm(), o.hNorm(), 1e-4 * t.hNorm());
        assertTrue(o.bNorm() < 1e-5, "b* = 0");
    }
}
