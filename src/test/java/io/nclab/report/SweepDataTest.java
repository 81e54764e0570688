package io.nclab.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SweepDataTest {
    static SweepData.Run run(String id, double[] steps, double[] values) {
        return new SweepData.Run(id, "focal", 0, Map.of(), Map.of(), Map.of("nc1", new double[][] {steps, values}),
                null, null);
    }

    /**
     * Seeds logged at different iterations (an L-BFGS run stops when it has converged): a run that stopped sooner
     * counts with its final value, not as missing, and a step where a run still going did not log is left out, not
     * filled with that run's earlier value (seeds stopping at 39, 40 and 41 drew a plateau and a cliff).
     */
    @Test
    void aBandHoldsARunsLastValueAndSkipsStepsARunningSeedDidNotLog() {
        SweepData.Run a = run("a", new double[] {0, 50, 100, 137}, new double[] {1, 1e-3, 1e-10, 1e-18});
        SweepData.Run b = run("b", new double[] {0, 50, 100, 121}, new double[] {3, 2e-3, 1e-9, 7e-18});
        Charts.Band band = SweepData.band("focal", List.of(a, b), "nc1", 1);
        // 121: a was still going and did not log there
        assertArrayEquals(new double[] {0, 50, 100, 137}, band.x());
        // at 137 seed b holds its value of 121
        assertEquals((1e-18 + 7e-18) / 2, band.mid()[3], 1e-30);
        assertEquals(7e-18, band.hi()[3], 1e-30);
        assertEquals(1.5e-3, band.mid()[1], 1e-15);
        assertEquals(2, band.mid()[0], 1e-15);
        // the audit's case: seeds that stop before the first common log step give their start and their ends
        SweepData.Run c = run("c", new double[] {0, 39}, new double[] {7, 0.22});
        SweepData.Run e = run("e", new double[] {0, 40}, new double[] {7, 0.21});
        SweepData.Run f = run("f", new double[] {0, 41}, new double[] {7, 0.20});
        Charts.Band g = SweepData.band("ce", List.of(c, e, f), "nc1", 1);
        assertArrayEquals(new double[] {0, 41}, g.x());
        assertEquals(0.21, g.mid()[1], 1e-15);
        // a run that starts later is not counted before its first step, nor does it hold back steps before it
        SweepData.Run late = run("late", new double[] {10, 20}, new double[] {5, 6});
        Charts.Band l = SweepData.band("x", List.of(a, late), "nc1", 1);
        assertArrayEquals(new double[] {0, 50, 100, 137}, l.x());
        assertEquals(1, l.mid()[0], 0);
        assertEquals(1, l.hi()[0], 0);
        assertEquals((1e-3 + 6) / 2, l.mid()[1], 1e-15);
    }

    /** The spread of seeds that agree to the last digits is round-off small, not 1e-9 (one pass: Σv² − n·mean²). */
    @Test
    void theSpreadOfNearlyEqualResultsIsExact() {
        double[] v = {0.03949751243781094, 0.03949751243781106, 0.039497512437810946};
        List<SweepData.Run> runs = new java.util.ArrayList<>();
        for (int i = 0; i < v.length; i++) {
            runs.add(new SweepData.Run("r" + i, "mse", i, Map.of(), Map.of("objective", v[i]), Map.of(), null, null));
        }
        double[] s = SweepData.stats(runs, "objective");
        double mean = (v[0] + v[1] + v[2]) / 3;
        double sd = Math.sqrt(((v[0] - mean) * (v[0] - mean) + (v[1] - mean) * (v[1] - mean)
                + (v[2] - mean) * (v[2] - mean)) / 2);
        assertEquals(sd, s[3], 1e-30);
        assertEquals(3, s[4], 0);
    }
}
