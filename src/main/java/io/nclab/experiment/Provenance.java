package io.nclab.experiment;

import io.nclab.Version;
import io.nclab.io.Json;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every run writes {@code config.json}: every setting, the seed, nclab's version and git commit, so a
 * result can always be traced to how it was made.
 */
public final class Provenance {
    private Provenance() {}

    public static Map<String, Object> describe(String command, Map<String, Object> settings) {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("command", command);
        config.put("settings", settings);
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
