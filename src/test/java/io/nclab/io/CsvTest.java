package io.nclab.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class CsvTest {

    /**
     * Numbers as a user types them: no trailing zeros, no run of zeros after the point or before it (a note about
     * --imbalance 1e300 printed 301 digits), and they parse back.
     */
    @Test
    void plainNumbersReadAsTyped() {
        String[][] cases = {
            {"0.25", "0.25"}, {"64", "64"}, {"0.001", "0.001"}, {"5e-4", "0.0005"}, {"1e-4", "0.0001"},
            {"1e-10", "1e-10"}, {"2.5e-7", "2.5e-7"}, {"-3e-5", "-3e-5"}, {"1.25e-12", "1.25e-12"}, {"0", "0"},
            {"10000000", "10000000"}, {"123456.5", "123456.5"}, {"999999999999999", "999999999999999"},
            {"1e15", "1e15"}, {"1e300", "1e300"}, {"-2.5e20", "-2.5e20"}, {"1.7976931348623157e308",
                "1.7976931348623157e308"},
        };
        for (String[] c : cases) {
            double v = Double.parseDouble(c[0]);
            assertEquals(c[1], Csv.plain(v), c[0]);
            assertEquals(v, Double.parseDouble(Csv.plain(v)), c[0] + " reads back");
        }
        assertEquals("NaN", Csv.plain(Double.NaN));
    }

    /** Tables' four significant digits: a width of 0.25 and 46 iterations read so, not 0.2500 and 46.00. */
    @Test
    void significantDigitsDropTrailingZeros() {
        assertEquals("0.25", Csv.significant(0.25, 4));
        assertEquals("46", Csv.significant(46.0, 4));
        assertEquals("0.9431", Csv.significant(0.943149, 4));
        assertEquals("1.235e-5", Csv.significant(1.23456e-5, 4));
        assertEquals("-3.142", Csv.significant(-Math.PI, 4));
        assertEquals("0", Csv.significant(0, 4));
    }
}
