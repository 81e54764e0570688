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
        UfmSettings s = new UfmSettings(p, opt, lr, iters, 1e-12, seed, 0.1, 100000);
        return UfmRun.solve(s, x -> UfmRun.collapse(p, x), r -> {}, null);
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
        for (String m : new String[] {"nc1", "nc2", "nc3"}) {
            assertTrue(o.metrics().get(m) < 1e-4, spec + " " + m + " = " + o.metrics().get(m));
        }
    }

    /**
     * With λ_W ≠ λ_H the optimum is not symmetric in W and H: ‖h*‖ = sqrt(λ_W/(λ_H n)) ‖w*_k‖ (Theorem 1), so
     * swapping the two decays anywhere in the theory or the solver moves ‖W*‖ and ‖H*‖ apart.
     */
    @ParameterizedTest
    @ValueSource(strings = {"ce", "focal:gamma=3", "ls:alpha=0.1"})
    void unequalWeightDecaysSplitTheNormsAsTheTheorySays(String spec) {
        UfmProblem p = UfmProblem.balanced(LossSpec.parse(spec), 6, 8, 5, 2e-2, 2e-3, 5e-3, true);
        TheoryPrediction t = TheoryOracle.predict(p);
        UfmRun.Outcome o = solve(p, "lbfgs", 1, 1000, 0);
        assertEquals(t.objective(), o.result().value(), 1e-8 * Math.abs(t.objective()));
        assertEquals(t.wNorm(), o.wNorm(), 1e-4 * t.wNorm(), "|W*|");
        assertEquals(t.hNorm(), o.hNorm(), 1e-4 * t.hNorm(), "|H*|");
        // Theorem 1's ratio, by hand: |H|_F^2 = N |h|^2 = K n (λ_W/(λ_H n)) |w_k|^2 = (λ_W/λ_H) |W|_F^2
        assertEquals(Math.sqrt(2e-2 / 2e-3) * t.wNorm(), t.hNorm(), 1e-12 * t.hNorm());
    }

    @ParameterizedTest
    @ValueSource(strings = {"ce", "focal:gamma=3", "ls:alpha=0.1"})
    void gradientDescentGetsThereToo(String spec) {
        UfmProblem p = UfmProblem.balanced(LossSpec.parse(spec), 10, 16, 20, 5e-3, 5e-3, 5e-3, true);
        TheoryPrediction t = TheoryOracle.predict(p);
        UfmRun.Outcome o = solve(p, "gd", 5, 4000, 0);
        assertEquals(t.objective(), o.result().value(), 1e-8 * Math.abs(t.objective()), o.result().toString());
    }

    @org.junit.jupiter.api.Test
    void adamDecreasesTheObjective() {
        UfmProblem p = UfmProblem.balanced(LossSpec.parse("ce"), 4, 8, 5, 5e-3, 5e-3, 5e-3, true);
        UfmRun.Outcome o = solve(p, "adam", 0.01, 1000, 0);
        TheoryPrediction t = TheoryOracle.predict(p);
        assertTrue(o.result().value() < t.objective() * 1.01, o.result().toString());
    }

    @org.junit.jupiter.api.Test
    void degenerateRegimeHasZeroSolution() {
        // With a huge weight decay the scalar problem's minimiser is t* = 0: W = H = 0.
        UfmProblem p = UfmProblem.balanced(LossSpec.parse("ce"), 4, 8, 5, 1.0, 1.0, 1e-2, true);
        TheoryPrediction t = TheoryOracle.predict(p);
        assertEquals(0.0, t.t());
        assertEquals(Math.log(4), t.objective(), 1e-15);
        UfmRun.Outcome o = solve(p, "lbfgs", 1, 500, 1);
        assertEquals(t.objective(), o.result().value(), 1e-10);
    }

    /** Between logged rows that are far apart, the solve says where it is, for both solver families. */
    @org.junit.jupiter.api.Test
    void aQuietSolveSaysWhereItIs() {
        UfmProblem p = UfmProblem.balanced(LossSpec.parse("ce"), 4, 8, 5, 5e-3, 5e-3, 5e-3, true);
        long before = UfmRun.quietNanos;
        UfmRun.quietNanos = 0; // every iteration counts as quiet
        try {
            for (String opt : new String[] {"lbfgs", "gd"}) {
                java.util.List<String> lines = new java.util.ArrayList<>();
                java.util.List<Integer> rows = new java.util.ArrayList<>();
                UfmSettings s = new UfmSettings(p, opt, opt.equals("gd") ? 0.5 : 1, 30, 0, 0, 0.1, 10);
                UfmRun.solve(s, x -> Map.of(), r -> rows.add(r.iteration()), null, lines::add);
                assertEquals(java.util.List.of(0, 10, 20, 30), rows, opt);
                assertEquals(30, lines.size(), opt + ": " + lines);
                assertTrue(lines.get(4).matches("iteration 5 of at most 30 \\(a row every 10\\), \\d+ s"), lines.get(4));
            }
        } finally {
            UfmRun.quietNanos = before;
        }
    }
}
