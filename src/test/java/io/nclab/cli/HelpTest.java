package io.nclab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Every command's --help prints its usage and nothing else: no picocli warning about its texts. */
class HelpTest {
    @Test
    void everyCommandsHelpIsClean() {
        CliRunner.Result top = CliRunner.run("--help");
        assertEquals(0, top.code());
        assertEquals("", top.err());
        var names = new CommandLine(new Main()).getSubcommands().keySet();
        assertTrue(names.contains("results") && names.size() >= 12, names.toString());
        for (String name : names) {
            CliRunner.Result r = CliRunner.run(name, "--help");
            assertEquals(0, r.code(), name);
            assertEquals("", r.err(), name + " --help printed to stderr");
            assertTrue(r.out().startsWith("Usage: nclab " + name), name + ": " + r.out());
            assertFalse(r.out().contains("%n"), name + ": an unformatted %n in its help");
        }
    }
}
