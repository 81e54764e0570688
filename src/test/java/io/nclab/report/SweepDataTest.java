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
     * Seeds logged at different iterations (an L-BFGS run stops when it has converged): the band covers every
     * logged step, and a run that stopped sooner counts with its final value, not as missing.
     */
    @Test
    void aBandCoversEveryStepAndHoldsARunsLastValue() {
        SweepData.Run a = run("a", new double[] {0, 37, 71}, new double[] {1, 1e-10, 1e-18});
        SweepData.Run b = run("b", new double[] {0, 30, 68}, new double[] {3, 1e-9, 7e-18});
        Charts.Band band = SweepData.band("focal", List.of(a, b), "nc1", 1);
        assertArrayEquals(new double[] {0, 30, 37, 68, 71}, band.x());
        // at 71 seed b holds its value of 68; at 30 seed a holds its value of 0
        assertEquals((1e-18 + 7e-18) / 2, band.mid()[4], 1e-30);
        assertEquals(7e-18, band.hi()[4], 1e-30);
        assertEquals((1 + 1e-9) / 2, band.mid()[1], 1e-15);
        assertEquals(2, band.mid()[0], 1e-15);
        // a run that starts later is not counted before its first step
        SweepData.Run late = run("late", new double[] {10, 20}, new double[] {5, 6});
        Charts.Band c = SweepData.band("x", List.of(a, late), "nc1", 1);
        assertEquals(1, c.mid()[0], 0);
        assertEquals(1, c.hi()[0], 0);
    }
}
