package io.nclab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class TheoryCommandTest {

    @Test
    void shortListsAreShownInFullAndLongOnesSummarised() {
        assertEquals("[1.0000000, -0.50000000]", TheoryCommand.formatList(new double[] {1, -0.5}));
        double[] b = new double[TheoryCommand.LISTED + 1];
        b[5] = -2;
        b[b.length - 1] = 3;
        assertEquals("[0.0000000, 0.0000000, 0.0000000, ... , 3.0000000]  (21 entries from -2.0000000 to 3.0000000;"
                + " --json lists all)", TheoryCommand.formatList(b));
    }
}
