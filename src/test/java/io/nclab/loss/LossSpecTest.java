package io.nclab.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nclab.UserError;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LossSpecTest {

    @Test
    void defaultsFollowThePapers() {
        assertEquals(3.0, ((FocalLoss) LossSpec.parse("focal")).gamma());
        assertEquals(0.1, ((LabelSmoothing) LossSpec.parse("ls")).alpha());
        RescaledMse mse = (RescaledMse) LossSpec.parse("mse");
        assertTrue(mse.vanilla());
        RescaledMse r = (RescaledMse) LossSpec.parse("mse:alpha=1,m=15");
        assertEquals(15.0, r.m());
        assertInstanceOf(CrossEntropy.class, LossSpec.parse("CE"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"ce", "focal:gamma=3", "focal:gamma=0.5", "ls:alpha=0.1", "mse", "mse:alpha=2,m=15"})
    void specRoundTrips(String spec) {
        assertEquals(spec, LossSpec.parse(spec).spec());
        assertEquals(spec, LossSpec.parse(LossSpec.parse(spec).spec()).spec());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "hinge", "focal:gamma=-1", "ls:alpha=1", "ls:alpha=-0.1", "mse:m=0", "mse:alpha=0",
        "ce:alpha=1", "focal:beta=2", "focal:gamma=x", "focal:gamma", "focal:gamma=1,gamma=2", "focal:gamma=NaN",
        // what Java's number reader or a split would let through (an audit found each accepted)
        "focal:gamma=3,", "focal:gamma=3d", "focal:gamma=3f", "focal:gamma=0x1p1", "ce:", "focal:", "ls:alpha=1e-400"})
    void badSpecsAreOneLineUserErrors(String spec) {
        UserError e = assertThrows(UserError.class, () -> LossSpec.parse(spec));
        assertTrue(!e.getMessage().contains("\n"), e.getMessage());
        assertTrue(e.getMessage().contains("accepted") || e.getMessage().contains("twice")
                || e.getMessage().contains("finite") || e.getMessage().contains("too small"), e.getMessage());
    }

    /** An infinite parameter, however written, is named as such ("inf" used to read "is not a number"). */
    @ParameterizedTest
    @ValueSource(strings = {"focal:gamma=inf", "focal:gamma=Infinity", "mse:m=-inf", "ls:alpha=NaN", "focal:gamma=x"})
    void nonFiniteParametersSaySo(String spec) {
        UserError e = assertThrows(UserError.class, () -> LossSpec.parse(spec));
        assertTrue(e.getMessage().contains("is not a finite number"), e.getMessage());
    }

    @Test
    void listsSplitBetweenSpecsNotInsideThem() {
        assertEquals(List.of("ce", "focal:gamma=3", "ls:alpha=0.1", "mse:alpha=1,m=15"),
                LossSpec.splitList("ce,focal:gamma=3,ls:alpha=0.1,mse:alpha=1,m=15"));
        assertEquals(List.of(), LossSpec.splitList(" "));
        for (String bad : new String[] {"ce,,mse", "ce,", ",ce"}) {
            io.nclab.UserError e = org.junit.jupiter.api.Assertions.assertThrows(io.nclab.UserError.class,
                    () -> LossSpec.splitList(bad));
            assertEquals("empty loss in the list '" + bad + "' (losses are separated by single commas)", e.getMessage());
        }
    }

    /** Titles and legends write parameters as numbers are written elsewhere in figures, not in Java's E-notation. */
    @Test
    void labelsWriteParametersPlainly() {
        assertEquals("rescaled MSE (α = 123.456789, M = 0.000123456)", LossSpec.label("mse:alpha=123.456789,m=0.000123456"));
        assertEquals("focal (γ = 3)", LossSpec.label("focal:gamma=3"));
        assertEquals("LS (α = 1.5e-7)", LossSpec.label("ls:alpha=1.5e-7"));
    }
}
