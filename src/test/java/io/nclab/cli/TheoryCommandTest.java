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
        assertEquals("[0.0000000, 0.0000000, 0.0000000, ... , 0.0000000]  (21 entries all equal; --json lists all)",
                TheoryCommand.formatList(new double[TheoryCommand.LISTED + 1]));
    }

    @Test
    void longWorkIsAnnouncedWithItsOrderOfTime() {
        assertEquals(null, LongWork.note(19, "x"));
        assertEquals("note: K = 10,000: y, which takes on the order of 40 seconds here",
                LongWork.note(10_000 * TheoryCommand.CHECK_SECONDS_PER_CLASS, "K = 10,000: y"));
        assertEquals("note: z, which takes on the order of 3 minutes here", LongWork.note(180, "z"));
        // the scalar problem's note starts near a quarter of a million classes, the check's near 5,000
        assertEquals(null, LongWork.note(200_000 * TheoryCommand.SECONDS_PER_CLASS, "w"));
        assertEquals(null, LongWork.note(4_000 * TheoryCommand.CHECK_SECONDS_PER_CLASS, "w"));
    }
}
