package io.nclab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** Every command's --help prints its usage and nothing else (no picocli warning about its texts), in one style. */
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

    /** picocli's own label for an option without a paramLabel: the field's name in angle brackets. */
    private static final Pattern AUTOMATIC_LABEL = Pattern.compile("=<[a-z][A-Za-z0-9]*>");

    /**
     * Every command's options follow one style: an option that takes a value has a label of its own (N, X, DIR,
     * SPEC, a|b|c, ...), never picocli's {@code <fieldName>}; a description is a sentence (or noun phrase) that
     * starts with a capital letter and ends with a period, and states its default as "Default: VALUE." rather
     * than "(default VALUE)"; and the help fits in 80 columns.
     */
    @Test
    void everyOptionFollowsTheHelpStyle() {
        CommandLine top = new CommandLine(new Main());
        List<CommandLine> commands = new ArrayList<>();
        commands.add(top);
        commands.addAll(top.getSubcommands().values());
        assertTrue(commands.size() >= 13, commands.toString());
        List<String> problems = new ArrayList<>();
        for (CommandLine commandLine : commands) {
            CommandSpec command = commandLine.getCommandSpec();
            List<ArgSpec> args = new ArrayList<>(command.options());
            args.addAll(command.positionalParameters());
            for (ArgSpec arg : args) {
                String what = command.qualifiedName() + " "
                        + (arg instanceof OptionSpec o ? o.longestName() : "parameter " + arg.paramLabel());
                if (arg.arity().max() > 0 && arg.paramLabel().startsWith("<")) {
                    problems.add(what + ": picocli's automatic label " + arg.paramLabel() + " (give a paramLabel)");
                }
                String description = String.join(" ", arg.description()).strip();
                if (description.isEmpty()) {
                    problems.add(what + ": no description");
                    continue;
                }
                if (Character.isLowerCase(description.codePointAt(0))) {
                    problems.add(what + ": its description starts with a lowercase '" + description.charAt(0)
                            + "': " + description);
                }
                if (!description.endsWith(".")) {
                    problems.add(what + ": its description does not end with a period: " + description);
                }
                if (description.contains("(default ") || description.contains("(default:")) {
                    problems.add(what + ": \"(default ...)\" instead of a closing \"Default: VALUE.\": " + description);
                }
            }
            String help = commandLine.getUsageMessage(CommandLine.Help.Ansi.OFF);
            Matcher m = AUTOMATIC_LABEL.matcher(help);
            Set<String> shown = new TreeSet<>();
            while (m.find()) {
                shown.add(m.group());
            }
            if (!shown.isEmpty()) {
                problems.add(command.qualifiedName() + " --help shows automatic labels " + shown);
            }
            for (String line : help.split("\\R")) {
                if (line.length() > 80) {
                    problems.add(command.qualifiedName() + " --help has a line over 80 columns: " + line);
                }
            }
        }
        assertTrue(problems.isEmpty(), problems.size() + " problems:\n" + String.join("\n", problems));
    }
}
