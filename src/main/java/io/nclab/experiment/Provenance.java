package io.nclab.experiment;

import io.nclab.UserError;
import io.nclab.Version;
import io.nclab.io.AtomicFiles;
import io.nclab.io.IoErrors;
import io.nclab.io.Json;
import java.io.IOException;
import java.nio.file.Files;
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
        // numerical_rank's last digits depend on the library that decomposes its Gram matrices (NativeGram)
        config.put("numerical_rank_library", io.nclab.nd.NativeGram.library());
        return config;
    }

    public static void writeConfig(Path dir, String command, Map<String, Object> settings) {
        Json.writePretty(dir.resolve("config.json"), describe(command, settings));
    }

    /**
     * Runs {@code work}, which writes a command's files into {@code dir}, between two config.json files: one with
     * {@code "complete": false} before the first output (it claims the folder, so that a run stopped half way
     * leaves one its next run may write into, see {@link #requireOutputFolder}, and says its files are not all
     * there), and the usual one once every file is written. If {@code work} fails, what it added is taken back
     * ({@link AtomicFiles#allOrNothing}: a folder this call made, a config.json or output it added to one that was
     * there), so that a refused run leaves nothing behind.
     */
    public static <T> T writing(Path dir, String command, Map<String, Object> settings, java.util.function.Supplier<T> work) {
        Map<String, Object> started = describe(command, settings);
        started.put("complete", false);
        return AtomicFiles.allOrNothing(dir, () -> {
            Json.writePretty(dir.resolve("config.json"), started);
            T result = work.get();
            writeConfig(dir, command, settings);
            return result;
        });
    }

    /**
     * Refuses (one line) an output folder that holds files some other command, or the user, put there: it must be
     * absent, empty (but for a sweep's own files: a sweep runs a command in a folder holding its logs), or a
     * folder whose config.json says {@code command} wrote it (a re-run replaces its own files). Without this a figure command would replace another run's config.json beside its results.
     */
    public static void requireOutputFolder(Path dir, String command, String option) {
        // the sweep's own logs in a run directory it hands to the command do not count
        requireOutputFolder(dir, option, Sweep.RUN_FILES, d -> command.equals(commandOf(d)), d -> {
            String owner = commandOf(d);
            return owner == null ? "is not empty and holds no config.json of an nclab " + command + " run"
                    : "holds a " + owner + " run's files";
        });
    }

    /**
     * The rule of every nclab output folder: it must be absent, empty but for the {@code ignored} names (and the
     * temporaries of {@link io.nclab.io.AtomicFiles} writes a kill left behind), or
     * {@code ours} (written before by the same command, as its marker shows); otherwise one line,
     * "{@code option} DIR {@code why}; give a new or empty folder", before any work.
     */
    public static void requireOutputFolder(Path dir, String option, java.util.Set<String> ignored,
            java.util.function.Predicate<Path> ours, java.util.function.Function<Path, String> why) {
        AtomicFiles.requireDirectoryOrAbsent(dir, option);
        if (!Files.isDirectory(dir)) {
            return;
        }
        boolean empty;
        try (java.util.stream.Stream<Path> s = Files.list(dir)) {
            // nor does a temporary that a killed nclab write left behind (".config.json.123.tmp"): it holds nothing
            empty = s.allMatch(f -> ignored.contains(f.getFileName().toString())
                    || io.nclab.io.AtomicFiles.temporaryOf(f.getFileName().toString()) != null);
        } catch (IOException e) {
            throw new UserError("cannot list " + option + " " + dir + ": " + IoErrors.reason(e));
        }
        if (!empty && !ours.test(dir)) {
            throw new UserError(option + " " + dir + " " + why.apply(dir) + "; give a new or empty folder");
        }
    }

    /** The command that wrote the folder's config.json, or null (none, or not nclab's). */
    public static String commandOf(Path dir) {
        Path cfg = dir.resolve("config.json");
        if (!Files.isRegularFile(cfg)) {
            return null;
        }
        try {
            Object c = Json.MAPPER.readValue(cfg.toFile(), Map.class).get("command");
            return c instanceof String s ? s : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
