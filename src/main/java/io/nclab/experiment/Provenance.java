package io.nclab.experiment;

import io.nclab.Version;
import io.nclab.io.Json;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every run writes {@code config.json}: every setting, the seed, nclab's version and git commit, and the
 * command line that made it, so a result can always be traced to how it was made.
 */
public final class Provenance {
    private Provenance() {}

    /** The command line of this process as the user typed it ({@code nclab ...}), once the CLI has parsed it. */
    private static volatile String invocation;

    /** Records the arguments of the command now running (the CLI does; null when it has finished). */
    public static void invokedWith(String... args) {
        if (args == null) {
            invocation = null;
            return;
        }
        List<String> line = new ArrayList<>(List.of("main"));
        line.addAll(List.of(args));
        invocation = ChildJvm.shown(line, "main");
    }

    public static Map<String, Object> describe(String command, Map<String, Object> settings) {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("command", command);
        config.put("settings", settings);
        if (invocation != null) {
            config.put("command_line", invocation);
        }
        config.put("nclab_version", Version.version());
        config.put("git_commit", Version.commit());
        config.put("created", Instant.now().toString());
        config.put("java", System.getProperty("java.version"));
        return config;
    }

    public static void writeConfig(Path dir, String command, Map<String, Object> settings) {
        Json.writePretty(dir.resolve("config.json"), describe(command, settings));
    }
}
