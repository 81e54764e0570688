package io.nclab.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.nclab.UserError;
import io.nclab.data.TinyData;
import io.nclab.experiment.ProbeTable;
import io.nclab.experiment.RunFiles;
import io.nclab.metrics.CollapseMetrics;
import io.nclab.nd.Nd;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainerTest {
    @TempDir
    static Path tmp;
    static Path idx;

    @BeforeAll
    static void data() throws IOException {
        idx = TinyData.idx(tmp.resolve("idx"), 90, 30, 3, 8, 8, true);
    }

    /** A tiny MLP run on the generated IDX set: 3 classes, 27 training samples per class. */
    static TrainConfig tiny(String out, Map<String, Object> more) {
        Map<String, Object> c = new HashMap<>(Map.of("dataset", "MNIST_IDX", "data_dir", idx.toString(),
                "model.width", 1.0 / 32, "epochs", 3, "batch_size", 16, "out", tmp.resolve(out).toString(),
                "keep_checkpoints", 10));
        c.putAll(more);
        return TrainConfig.defaults().with(c);
    }

    private static TrainResult run(TrainConfig c) {
        return Trainer.of(c, null).run();
    }

    /** config.json holds absolute paths, so that --resume works from another working directory. */
    @Test
    void configRecordsAbsolutePaths() throws IOException {
        Path here = Path.of("").toAbsolutePath();
        String relativeData = here.relativize(idx.toAbsolutePath()).toString();
        TrainConfig c = tiny("relative", Map.of("data_dir", relativeData, "epochs", 1));
        TrainResult r = run(c);
        var settings = io.nclab.io.Json.MAPPER.readTree(r.runDir().resolve("config.json").toFile()).get("settings");
        assertEquals(idx.toAbsolutePath().normalize().toString(), settings.get("data_dir").asText());
        assertTrue(Path.of(settings.get("out").asText()).isAbsolute(), settings.get("out").asText());
        // and data.json what it takes to use the model on new data
        var about = io.nclab.io.Json.MAPPER.readTree(r.runDir().resolve(Trainer.DATA_FILE).toFile());
        assertTrue(about.get("classes").asInt() >= 2, about.toString());
        assertEquals(1, about.get("normalization_mean").size(), "one channel");
        assertTrue(about.get("normalization_std").get(0).asDouble() > 0, about.toString());
        assertTrue(about.get("class_names").isNull(), "IDX classes are numbers");
        // the sets as cut: images per class of each
        long train = 0;
        for (var n : about.get("train_per_class")) {
            train += n.asLong();
        }
        assertEquals(81, train, "90 images less the 10% hold-out: " + about);
        assertEquals(about.get("classes").asInt(), about.get("test_per_class").size(), about.toString());
        long test = 0;
        for (var n : about.get("test_per_class")) {
            test += n.asLong();
        }
        assertEquals(30, test, about.toString());
    }

    @Test
    void trainsWritesProbeRowsAndKeepsTheBestValidationModel() throws IOException {
        TrainResult r = run(tiny("basic", Map.of("lr", 0.05)));
        Path dir = r.runDir();
        for (String f : List.of("config.json", "metrics.csv", "metrics.jsonl", "timing.csv", "best-model.params")) {
            assertTrue(Files.isRegularFile(dir.resolve(f)), f);
        }
        List<String> csv = Files.readAllLines(dir.resolve("metrics.csv"));
        assertEquals(5, csv.size(), "a header, the untrained network's row and one row per epoch");
        assertTrue(csv.get(0).startsWith("epoch,lr,epoch_loss,epoch_accuracy,train_loss,train_accuracy,val_loss"));
        String jsonl = Files.readAllLines(dir.resolve("metrics.jsonl")).get(0);
        assertTrue(jsonl.contains("\"epoch_loss\":null") && !jsonl.contains("NaN"), "undefined is null: " + jsonl);
        assertEquals(4, r.rows().size());
        Map<String, Object> initial = r.rows().get(0);
        assertEquals(0.0, Trainer.toDouble(initial.get("epoch")));
        assertTrue(Double.isNaN(Trainer.toDouble(initial.get("epoch_loss"))), "nothing trained at epoch 0");
        assertTrue(Double.isFinite(Trainer.toDouble(initial.get("nc1"))), "the untrained network is measured");
        // The best model is a trained one, even where the untrained network validates as well.
        double best = r.rows().subList(1, 4).stream().mapToDouble(row -> Trainer.toDouble(row.get("val_accuracy")))
                .max().orElseThrow();
        assertEquals(best, r.bestValAccuracy());
        assertTrue(r.bestEpoch() >= 1);
        Map<String, Object> atBest = r.rows().get(r.bestEpoch());
        assertEquals(Trainer.toDouble(atBest.get("test_accuracy")), r.testAccuracy());
        assertTrue(r.finalTrainAccuracy() > 0.9, "the stripes are easy: " + r.finalTrainAccuracy());
        String config = Files.readString(dir.resolve("config.json"));
        assertTrue(config.contains("\"batch_size\" : 16") && config.contains("\"git_commit\""), config);
        // the threads the run used, beside the setting (0: every core), and read back as no setting
        assertTrue(config.matches("(?s).*\"threads_used\" : [1-9][0-9]*.*"), config);
        assertEquals(16, Trainer.readConfig(dir, "--resume").batchSize());
        assertTrue(r.summary().keySet().containsAll(List.of("best_val_accuracy", "test_accuracy",
                "final_train_accuracy", "final_nc1", "final_nc2", "final_nc3", "final_nc4", "epochs", "seconds")));
    }

    @Test
    void sameSeedGivesIdenticalMetrics() throws IOException {
        TrainResult a = run(tiny("det-a", Map.of("seed", 5, "epochs", 2)));
        TrainResult b = run(tiny("det-b", Map.of("seed", 5, "epochs", 2)));
        assertEquals(Files.readString(a.runDir().resolve("metrics.csv")), Files.readString(b.runDir().resolve("metrics.csv")));
        // and the seed is what decides: another one starts elsewhere (an ignored seed would agree with itself too)
        TrainResult c = run(tiny("det-c", Map.of("seed", 6, "epochs", 2)));
        List<String> first = Files.readAllLines(a.runDir().resolve("metrics.csv"));
        List<String> other = Files.readAllLines(c.runDir().resolve("metrics.csv"));
        assertNotEquals(first.get(1), other.get(1), "the untrained networks differ");
        assertNotEquals(first.get(2), other.get(2), "and so do the trained ones");
        // a seed past the int range is not cut to its low 32 bits for the network (5 + 2^32 started as 5 did)
        TrainResult d = run(tiny("det-d", Map.of("seed", 5L + (1L << 32), "epochs", 2)));
        assertNotEquals(first.get(1), Files.readAllLines(d.runDir().resolve("metrics.csv")).get(1),
                "seeds 5 and 5 + 2^32 start from different networks");
        assertEquals(5, Trainer.torchSeed(5));
        assertEquals(-3, Trainer.torchSeed(-3));
    }

    @Test
    void probingLessOftenLeavesTheTrainingUnchanged() throws IOException {
        TrainResult every = run(tiny("probe-1", Map.of("seed", 4, "epochs", 4, "probe_every", 1)));
        TrainResult second = run(tiny("probe-2", Map.of("seed", 4, "epochs", 4, "probe_every", 2)));
        List<String> a = Files.readAllLines(every.runDir().resolve("metrics.csv"));
        List<String> b = Files.readAllLines(second.runDir().resolve("metrics.csv"));
        assertEquals(List.of(a.get(0), a.get(1), a.get(3), a.get(5)), b, "the rows of epochs 0, 2 and 4 are the same");
    }

    @Test
    void aResumedRunEndsWithTheMetricsOfOneThatNeverStopped() throws IOException {
        // L-BFGS and SGD without momentum keep no optimiser state: an empty list, which DJL would not decode
        for (String opt : List.of("SGD", "ADAM", "LBFGS", "SGD-without-momentum")) {
            Map<String, Object> s = new HashMap<>(Map.of("optimizer", opt.startsWith("SGD") ? "SGD" : opt, "lr", opt.startsWith("SGD") ? 0.05 : 0.003, "epochs", 4, "seed", 3));
            if (opt.equals("LBFGS")) {
                s.put("lbfgs_iterations", 2);
            }
            if (opt.equals("SGD-without-momentum")) {
                s.put("momentum", 0.0);
            }
            TrainResult whole = run(tiny("whole-" + opt, s));
            TrainResult killed = run(tiny("killed-" + opt, s));
            // as if killed during epoch 3: only the checkpoints up to epoch 2 were written
            Path ck = killed.runDir().resolve("checkpoints");
            deleteTree(ck.resolve("epoch-0003"));
            deleteTree(ck.resolve("epoch-0004"));
            assertEquals(2, Trainer.resume(killed.runDir(), null, Map.of("threads", 2)).config().threads(),
                    "how this continuation runs");
            java.io.ByteArrayOutputStream said = new java.io.ByteArrayOutputStream();
            Trainer again = Trainer.resume(killed.runDir(), new java.io.PrintStream(said, true,
                    java.nio.charset.StandardCharsets.UTF_8));
            assertEquals(0, again.config().threads(), "as saved");
            TrainResult resumed = again.run();
            String text = said.toString(java.nio.charset.StandardCharsets.UTF_8);
            // from the newest checkpoint (epoch 2): a replay from an older one would end with the same numbers
            assertTrue(text.startsWith("resuming " + killed.runDir() + " after epoch 2\n"), text);
            assertFalse(text.contains("epoch 2/4"), text);
            assertEquals(Files.readString(whole.runDir().resolve("metrics.csv")),
                    Files.readString(resumed.runDir().resolve("metrics.csv")), opt);
            // the JSON lines too: an undefined number restored from a checkpoint is null again, not "NaN"
            String jsonl = Files.readString(resumed.runDir().resolve("metrics.jsonl"));
            assertEquals(Files.readString(whole.runDir().resolve("metrics.jsonl")), jsonl, opt);
            assertFalse(jsonl.contains("\"NaN\""), jsonl);
            assertEquals(whole.testAccuracy(), resumed.testAccuracy());
            assertTrue(resumed.seconds() < 1000, "a tiny run");
        }
    }

    @Test
    void checkpointRetentionKeepsTheNewest() throws IOException {
        TrainResult r = run(tiny("retain", Map.of("keep_checkpoints", 2, "epochs", 4)));
        try (Stream<Path> s = Files.list(r.runDir().resolve("checkpoints"))) {
            assertEquals(List.of("epoch-0003", "epoch-0004"),
                    s.map(p -> p.getFileName().toString()).sorted().toList());
        }
        UserError e = assertThrows(UserError.class, () -> run(tiny("retain", Map.of())));
        assertTrue(e.getMessage().contains("--resume"), e.getMessage());
    }

    /** timing.csv records each epoch's thread count, and a continuation on another count says so. */
    @Test
    void aContinuationOnAnotherThreadCountSaysSo() throws IOException {
        TrainResult r = run(tiny("threads", Map.of("epochs", 2, "threads", 2)));
        assertTrue(Files.readAllLines(r.runDir().resolve("timing.csv")).get(0).contains(",threads,"));
        deleteTree(r.runDir().resolve("checkpoints").resolve("epoch-0002"));
        java.io.ByteArrayOutputStream said = new java.io.ByteArrayOutputStream();
        Trainer.resume(r.runDir(), new java.io.PrintStream(said, true, java.nio.charset.StandardCharsets.UTF_8),
                Map.of("threads", 1)).run();
        String text = said.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(text.startsWith("resuming " + r.runDir() + " after epoch 1\nnote: this continuation runs on 1"
                + " thread, the run so far on 2: its numbers may differ from an uninterrupted run's in their last"
                + " digits\n"), text);
        List<String> timing = Files.readAllLines(r.runDir().resolve("timing.csv"));
        int col = Arrays.asList(timing.get(0).split(",")).indexOf("threads");
        assertEquals(List.of("2", "2", "1"), timing.stream().skip(1).map(l -> l.split(",")[col]).toList());
        // the same count again: nothing to say
        deleteTree(r.runDir().resolve("checkpoints").resolve("epoch-0002"));
        java.io.ByteArrayOutputStream again = new java.io.ByteArrayOutputStream();
        Trainer.resume(r.runDir(), new java.io.PrintStream(again, true, java.nio.charset.StandardCharsets.UTF_8),
                Map.of("threads", 2)).run();
        assertFalse(again.toString(java.nio.charset.StandardCharsets.UTF_8).contains("note:"));
    }

    /** A damaged newest checkpoint is named, file and cause, in one line that says which checkpoint is intact. */
    @Test
    void aDamagedCheckpointIsNamedWithTheWayOut() throws IOException {
        TrainResult r = run(tiny("damaged", Map.of("epochs", 2)));
        Path newest = r.runDir().resolve("checkpoints").resolve("epoch-0002");
        byte[] model = Files.readAllBytes(newest.resolve(Checkpoints.MODEL));
        Files.write(newest.resolve(Checkpoints.MODEL), Arrays.copyOf(model, model.length / 2));
        UserError e = assertThrows(UserError.class, () -> Trainer.resume(r.runDir(), null).run());
        assertTrue(e.getMessage().contains("epoch-0002: model.params") && e.getMessage().contains("truncated")
                && e.getMessage().endsWith("delete that folder to resume from the one before it (epoch-0001)"),
                e.getMessage());
        // bytes flipped inside a parameter's header: DJL's decoder reads them as a shape (an audit saw a
        // NegativeArraySizeException and a stack trace)
        byte[] flipped = model.clone();
        for (int i = 200; i < 260; i++) {
            flipped[i] ^= (byte) 0xff;
        }
        Files.write(newest.resolve(Checkpoints.MODEL), flipped);
        e = assertThrows(UserError.class, () -> Trainer.resume(r.runDir(), null).run());
        assertTrue(e.getMessage().contains("epoch-0002: model.params") && e.getMessage().contains("damaged")
                && !e.getMessage().contains("\n"), e.getMessage());
        Files.write(newest.resolve(Checkpoints.MODEL), model);
        Files.writeString(newest.resolve(Checkpoints.STATE), "{\"epoch\" : 2,\n \"rows\" : [");
        e = assertThrows(UserError.class, () -> Trainer.resume(r.runDir(), null).run());
        assertTrue(e.getMessage().contains("state.json: not valid JSON") && !e.getMessage().contains("\n"),
                e.getMessage());
    }

    /**
     * A random-label run records the labels it trains on and the images' own, and counts both per class; an
     * imbalance the classes are too small for is said, not silently capped.
     */
    @Test
    void randomLabelsAndACappedImbalanceAreOnRecord() throws IOException {
        TrainResult r = run(tiny("random-record", Map.of("epochs", 1, "random_labels", 1.0)));
        com.fasterxml.jackson.databind.JsonNode labels = io.nclab.io.Json.MAPPER.readTree(
                r.runDir().resolve(Trainer.RANDOM_LABELS).toFile());
        com.fasterxml.jackson.databind.JsonNode data = io.nclab.io.Json.MAPPER.readTree(
                r.runDir().resolve(Trainer.DATA_FILE).toFile());
        int n = labels.get("labels").size();
        assertEquals(n, labels.get("true_labels").size());
        int[] trueCounts = new int[3];
        int changed = 0;
        for (int i = 0; i < n; i++) {
            trueCounts[labels.get("true_labels").get(i).asInt()]++;
            changed += labels.get("labels").get(i).asInt() != labels.get("true_labels").get(i).asInt() ? 1 : 0;
        }
        assertTrue(changed > n / 3 && changed < n, "about two in three of 3 classes differ: " + changed + " of " + n);
        for (int c = 0; c < 3; c++) {
            assertEquals(trueCounts[c], data.get("train_per_class_true_labels").get(c).asInt());
            assertEquals(trueCounts[0], trueCounts[c], "balanced without --imbalance");
        }
        java.io.ByteArrayOutputStream said = new java.io.ByteArrayOutputStream();
        Trainer.of(tiny("capped", Map.of("epochs", 1, "per_class", 10, "imbalance", 1000.0)),
                new java.io.PrintStream(said, true, java.nio.charset.StandardCharsets.UTF_8)).run();
        String text = said.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(text.contains("note: --imbalance 1000 leaves the classes 10 to 1 training images, a ratio of 10"),
                text);
        said.reset();
        Trainer.of(tiny("uncapped", Map.of("epochs", 1, "per_class", 10, "imbalance", 5.0)),
                new java.io.PrintStream(said, true, java.nio.charset.StandardCharsets.UTF_8)).run();
        assertFalse(said.toString(java.nio.charset.StandardCharsets.UTF_8).contains("--imbalance"));
    }

    /** timing.csv has one header whatever is probed when (it moved with --no-initial-probe and --probe-every). */
    @Test
    void timingColumnsKeepTheirOrder() throws IOException {
        String expected = String.join(",", Trainer.TIMING_COLUMNS);
        for (Map<String, Object> m : List.<Map<String, Object>>of(Map.of("epochs", 2),
                Map.of("epochs", 3, "initial_probe", false, "probe_every", 2))) {
            TrainResult r = run(tiny("timing-" + m.size(), m));
            List<String> lines = Files.readAllLines(r.runDir().resolve("timing.csv"));
            assertEquals(expected, lines.get(0), m.toString());
            assertEquals(expected.split(",").length, lines.get(1).split(",", -1).length, "cells of " + lines.get(1));
        }
    }

    /** Writing a checkpoint is timed in its epoch's row, in timing.csv and in the checkpoint, and counts in seconds. */
    @Test
    void checkpointWritingIsTimedAndCounted() throws IOException {
        TrainResult r = run(tiny("checkpoint-seconds", Map.of("epochs", 3, "checkpoint_every", 2)));
        List<Map<String, Object>> rows = new java.util.ArrayList<>();
        for (String line : Files.readAllLines(r.runDir().resolve("timing.jsonl"))) {
            rows.add(io.nclab.io.Json.MAPPER.readValue(line, Map.class));
        }
        double sum = 0;
        for (Map<String, Object> row : rows) {
            int epoch = ((Number) row.get("epoch")).intValue();
            boolean written = epoch == 2 || epoch == 3;
            assertEquals(written, row.get("checkpoint_seconds") instanceof Number n && n.doubleValue() > 0, row.toString());
            for (String k : List.of("train_seconds", "probe_seconds", "checkpoint_seconds")) {
                sum += row.get(k) instanceof Number n ? n.doubleValue() : 0;
            }
        }
        assertEquals(sum, r.seconds(), 1e-9 * sum);
        String state = Files.readString(r.runDir().resolve("checkpoints").resolve("epoch-0003").resolve("state.json"));
        assertEquals(2, state.split("\"checkpoint_seconds\"", -1).length - 1, "epochs 2 and 3 in the checkpoint's rows");
    }

    @Test
    void checkpointsPastEpoch9999KeepTheirOrder() throws IOException {
        Path run = tmp.resolve("many-epochs");
        for (String name : List.of("epoch-9999", "epoch-10000", "epoch-0002", ".epoch-10001.tmp")) {
            Files.createDirectories(run.resolve("checkpoints").resolve(name));
        }
        assertEquals(List.of("epoch-0002", "epoch-9999", "epoch-10000"), new Checkpoints(run, 2).list().stream()
                .map(p -> p.getFileName().toString()).toList(), "oldest first, by number");
    }

    /**
     * A run killed as it starts leaves its lock, config.json (written first) or a temporary of a write: the folder is
     * taken by --out (only a lock and temporaries) or continued by --resume (config.json), to the same run as one never
     * killed; the temporaries of the run's own files go, anything else stays.
     */
    @Test
    void aRunKilledAsItStartsIsContinuedOrStartedAgain() throws IOException {
        TrainResult whole = run(tiny("start-whole", Map.of("epochs", 2)));
        String metrics = Files.readString(whole.runDir().resolve("metrics.csv"));
        // killed while writing config.json: a lock and a temporary
        Path a = tmp.resolve("start-a");
        Files.createDirectories(a);
        Files.writeString(a.resolve(".nclab-train.lock"), "");
        Files.writeString(a.resolve(".config.json.4242.tmp"), "{\"comm");
        Files.writeString(a.resolve(".notes.txt.7.tmp"), "someone else's");
        run(tiny("start-a", Map.of("epochs", 2)));
        assertEquals(metrics, Files.readString(a.resolve("metrics.csv")));
        assertFalse(Files.exists(a.resolve(".config.json.4242.tmp")), "the run's own temporary went");
        assertTrue(Files.exists(a.resolve(".notes.txt.7.tmp")), "another file's temporary stays");
        // killed right after config.json: continued from the start
        Path b = whole.runDir().resolveSibling("start-b");
        Files.createDirectories(b);
        Files.writeString(b.resolve("config.json"), Files.readString(whole.runDir().resolve("config.json"))
                .replace(whole.runDir().toAbsolutePath().normalize().toString(), b.toAbsolutePath().normalize().toString()));
        Files.writeString(b.resolve(".data.json.5.tmp"), "");
        Trainer.resume(b, null).run();
        assertEquals(metrics, Files.readString(b.resolve("metrics.csv")));
        assertEquals(Files.readString(whole.runDir().resolve(Trainer.DATA_FILE)), Files.readString(b.resolve(Trainer.DATA_FILE)));
        assertFalse(Files.exists(b.resolve(".data.json.5.tmp")));
    }

    /**
     * A checkpoint that does not fit the run's configuration (config.json edited to another width) or whose state does not
     * describe it is refused in one line; DJL alone loads parameters of any shape and trained on.
     */
    @Test
    void aCheckpointThatDoesNotFitTheConfigurationIsRefused() throws IOException {
        TrainResult r = run(tiny("misfit", Map.of("epochs", 2)));
        Path cfg = r.runDir().resolve("config.json");
        String config = Files.readString(cfg);
        deleteTree(r.runDir().resolve("checkpoints").resolve("epoch-0002"));
        String wider = config.replaceFirst("\"width\"\\s*:\\s*0\\.03125", "\"width\" : 0.0625");
        assertTrue(!wider.equals(config), "the config names the width");
        Files.writeString(cfg, wider);
        io.nclab.UserError e = assertThrows(io.nclab.UserError.class, () -> Trainer.resume(r.runDir(), null).run());
        assertTrue(e.getMessage().contains("config.json's model.width is 0.0625, its checkpoints were trained with"
                + " 0.03125; a run cannot change its settings midway"), e.getMessage());
        // a checkpoint of an nclab that kept no settings: the parameters themselves do not fit
        Path kept = r.runDir().resolve("checkpoints").resolve("epoch-0001").resolve("state.json");
        String keptJson = Files.readString(kept);
        Files.writeString(kept, keptJson.replaceFirst(",\\s*\"settings\"\\s*:\\s*\\{[^}]*\\}", ""));
        assertFalse(Files.readString(kept).contains("settings"));
        e = assertThrows(io.nclab.UserError.class, () -> Trainer.resume(r.runDir(), null).run());
        assertTrue(e.getMessage().contains("model.params: the parameters do not fit this network:"), e.getMessage());
        Files.writeString(kept, keptJson);
        // settings that fit the network but not the run so far: a seed (other data), the epochs (another schedule)
        for (String[] edit : new String[][] {{"\"seed\"\\s*:\\s*\\d+", "\"seed\" : 99", "seed is 99"},
                {"\"epochs\"\\s*:\\s*2", "\"epochs\" : 5", "epochs is 5, its checkpoints were trained with 2"}}) {
            String edited = config.replaceFirst(edit[0], edit[1]);
            assertTrue(!edited.equals(config), edit[0]);
            Files.writeString(cfg, edited);
            e = assertThrows(io.nclab.UserError.class, () -> Trainer.resume(r.runDir(), null).run());
            assertTrue(e.getMessage().contains("config.json's " + edit[2]), e.getMessage());
        }
        Files.writeString(cfg, config);
        Path state = r.runDir().resolve("checkpoints").resolve("epoch-0001").resolve("state.json");
        String json = Files.readString(state);
        Files.writeString(state, json.replaceFirst("\"epoch\"\\s*:\\s*1", "\"epoch\" : -7"));
        e = assertThrows(io.nclab.UserError.class, () -> Trainer.resume(r.runDir(), null).run());
        assertTrue(e.getMessage().contains("state.json does not describe it (epoch -7"), e.getMessage());
        Files.writeString(state, json);
        assertEquals(2, Trainer.resume(r.runDir(), null).run().epochs(), "as it was, it resumes");
    }

    /** A run killed between config.json and data.json gets its data files from the resume (they follow from the config). */
    @Test
    void aResumeWritesTheDataFilesARunKilledAtItsStartDidNotWrite() throws IOException {
        TrainResult r = run(tiny("data-files", Map.of("epochs", 2, "random_labels", 0.5)));
        String data = Files.readString(r.runDir().resolve(Trainer.DATA_FILE));
        String labels = Files.readString(r.runDir().resolve(Trainer.RANDOM_LABELS));
        Files.delete(r.runDir().resolve(Trainer.DATA_FILE));
        Files.delete(r.runDir().resolve(Trainer.RANDOM_LABELS));
        deleteTree(r.runDir().resolve("checkpoints").resolve("epoch-0002"));
        Trainer.resume(r.runDir(), null).run();
        assertEquals(data, Files.readString(r.runDir().resolve(Trainer.DATA_FILE)));
        assertEquals(labels, Files.readString(r.runDir().resolve(Trainer.RANDOM_LABELS)));
    }

    /** A resumed run's seconds count the earlier attempt's epochs, as its checkpoint's timing rows give them. */
    @Test
    void aResumedRunsSecondsIncludeTheEarlierAttempt() throws IOException {
        TrainResult first = run(tiny("seconds", Map.of("epochs", 3, "seed", 5)));
        Path ck = first.runDir().resolve("checkpoints");
        deleteTree(ck.resolve("epoch-0003"));
        // the earlier attempt, as the checkpoint records it, spent 1000 s on epoch 1
        Path state = ck.resolve("epoch-0002").resolve("state.json");
        String json = Files.readString(state);
        String marked = json.replaceFirst("\"train_seconds\"\\s*:\\s*[0-9.eE+-]+", "\"train_seconds\" : 1000.0");
        assertTrue(!marked.equals(json), "the checkpoint holds timing rows");
        Files.writeString(state, marked);
        TrainResult resumed = Trainer.resume(first.runDir(), null).run();
        assertTrue(resumed.seconds() >= 1000 && resumed.seconds() < 1100, resumed.seconds() + " s");
    }

    /**
     * A new run refuses a folder of someone else's files (its metrics.csv was replaced), but takes a sweep's run
     * folder, which holds the sweep's logs.
     */
    @Test
    void aNewRunTrainsOnlyIntoItsOwnKindOfFolder() throws IOException {
        Path mine = Files.createDirectories(tmp.resolve("users-folder"));
        Files.writeString(mine.resolve("metrics.csv"), "data\n");
        UserError e = assertThrows(UserError.class, () -> run(tiny("users-folder", Map.of("epochs", 1))));
        assertEquals("--out " + mine + " is not empty and is not a training run's folder; give a new or empty folder",
                e.getMessage());
        assertEquals("data\n", Files.readString(mine.resolve("metrics.csv")));
        assertEquals(1, Files.list(mine).count(), "nothing written beside it");
        Path swept = Files.createDirectories(tmp.resolve("sweep-run"));
        for (String log : List.of("stdout.log", "stderr.log", "run.lock")) {
            Files.writeString(swept.resolve(log), "");
        }
        assertTrue(Files.exists(run(tiny("sweep-run", Map.of("epochs", 1))).runDir().resolve("metrics.csv")));
    }

    /** A new run pointed at a run that is training now says so, instead of suggesting --resume (refused while it trains). */
    @Test
    void aRunThatIsTrainingNowIsNamedAsSuch() throws Exception {
        TrainResult r = run(tiny("busy", Map.of("epochs", 1)));
        // another process holds the run's lock, as a training process does
        Process holder = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-cp",
                System.getProperty("java.class.path"), LockHolder.class.getName(),
                r.runDir().resolve(".nclab-train.lock").toString()).redirectErrorStream(true).start();
        try {
            java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(
                    holder.getInputStream(), java.nio.charset.StandardCharsets.UTF_8));
            assertEquals("locked", out.readLine());
            for (int i = 0; i < 2; i++) { // asking twice: the question must not release the other's lock
                UserError e = assertThrows(UserError.class, () -> run(tiny("busy", Map.of("epochs", 1))));
                assertTrue(e.getMessage().contains("holds a run that is training now")
                        && !e.getMessage().contains("--resume"), e.getMessage());
            }
        } finally {
            holder.destroyForcibly().waitFor();
        }
        UserError e = assertThrows(UserError.class, () -> run(tiny("busy", Map.of("epochs", 1))));
        assertTrue(e.getMessage().contains("already holds a run; use --resume"), e.getMessage());
    }

    /** Holds a lock on the file it is given until it is killed (a training process, for the test above). */
    public static final class LockHolder {
        private LockHolder() {}

        public static void main(String[] args) throws Exception {
            try (java.nio.channels.FileChannel c = java.nio.channels.FileChannel.open(Path.of(args[0]),
                    java.nio.file.StandardOpenOption.WRITE); java.nio.channels.FileLock l = c.lock()) {
                System.out.println("locked");
                System.out.flush();
                Thread.sleep(120_000);
            }
        }
    }

    /** --resume of a finished run trains nothing, leaves its files as they are and reports the same figures. */
    @Test
    void resumingAFinishedRunChangesNothing() throws IOException {
        TrainResult done = run(tiny("finished", Map.of("epochs", 2)));
        Path dir = done.runDir();
        List<String> files = List.of("metrics.csv", "metrics.jsonl", "timing.csv", "timing.jsonl", "best-model.params");
        Map<String, byte[]> before = new HashMap<>();
        Map<String, java.nio.file.attribute.FileTime> times = new HashMap<>();
        for (String f : files) {
            before.put(f, Files.readAllBytes(dir.resolve(f)));
            times.put(f, Files.getLastModifiedTime(dir.resolve(f)));
        }
        java.io.ByteArrayOutputStream said = new java.io.ByteArrayOutputStream();
        TrainResult again = Trainer.resume(dir, new java.io.PrintStream(said, true,
                java.nio.charset.StandardCharsets.UTF_8)).run();
        TrainResult third = Trainer.resume(dir, null).run();
        String text = said.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(text.startsWith("run " + dir + " is complete (epoch 2 of 2): nothing to train"), text);
        assertFalse(text.contains("resuming"), text);
        for (String f : files) {
            assertArrayEquals(before.get(f), Files.readAllBytes(dir.resolve(f)), f);
            assertEquals(times.get(f), Files.getLastModifiedTime(dir.resolve(f)), f + " not rewritten");
        }
        // every figure, the seconds too: the run's epochs and probes as timing.csv records them
        assertEquals(done.summary(), again.summary());
        assertEquals(done.seconds(), third.seconds(), "the same seconds at every --resume");
    }

    @Test
    void divergenceStopsWithAClearMessageAndKeepsTheLastCheckpoint() {
        TrainConfig c = tiny("diverge", Map.of("loss", "mse:alpha=1,m=15", "clip", 0.0, "lr", 1e20, "epochs", 3,
                "batch_size", 81));
        UserError e = assertThrows(UserError.class, () -> run(c));
        assertTrue(e.getMessage().startsWith("training diverged"), e.getMessage());
        assertTrue(e.getMessage().endsWith("(lower --lr, or clip the gradient norm with e.g. --clip 2)"),
                "--clip 0 clips nothing: " + e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        assertTrue(Files.isDirectory(c.out() == null ? null : Path.of(c.out())), "a run that trained keeps its files");
        // and says why it stopped, for a report of its directory
        io.nclab.experiment.RunImport.Status status = io.nclab.experiment.RunImport.status(Path.of(c.out()));
        assertFalse(status.complete());
        assertTrue(status.description().startsWith("stopped with ")
                && status.description().contains(": training diverged: the loss became"), status.description());
        assertEquals("lower --lr, or clip harder with a --clip below 0.5",
                Trainer.divergenceAdvice(c.with(Map.of("clip", 0.5))));
        assertEquals("lower --lr", Trainer.divergenceAdvice(c.with(Map.of("optimizer", "LBFGS"))));
    }

    /**
     * Parameters that an epoch's last updates made non-finite, behind a finite loss, are a divergence: never a
     * checkpoint, which the message would name as the last good one (with no probe after the epoch, nothing else
     * looked at them).
     */
    @Test
    void nonFiniteParametersAreNeverCheckpointed() throws IOException {
        // without the check, epoch 3 ended with an infinite batch-norm running variance behind finite losses, was
        // checkpointed, and epoch 4's NaN loss named that checkpoint as the last good one
        TrainConfig c = tiny("non-finite", Map.of("optimizer", "SGD", "lr", 30.0, "clip", 0.0, "schedule", "CONSTANT",
                "probe_every", 10, "epochs", 8, "batch_size", 16, "seed", 1));
        UserError e = assertThrows(UserError.class, () -> run(c));
        assertTrue(e.getMessage().startsWith("training diverged: "), e.getMessage());
        List<Path> kept;
        try (Stream<Path> s = Files.list(Path.of(c.out()).resolve("checkpoints"))) {
            kept = s.filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
        }
        for (Path ck : kept) {
            try (ai.djl.ndarray.NDManager m = io.nclab.nd.Nd.newManager();
                    java.io.DataInputStream in = new java.io.DataInputStream(new java.io.BufferedInputStream(
                            Files.newInputStream(ck.resolve("model.params"))))) {
                io.nclab.model.Network net = io.nclab.model.Network.build(c.model(), 1, 8, 8, 3, m);
                net.load(m, in);
                for (var p : net.parameters()) {
                    float[] v = p.getValue().getArray().toFloatArray();
                    for (float x : v) {
                        assertTrue(Float.isFinite(x), ck + ": " + p.getKey() + " holds " + x + "; " + e.getMessage());
                    }
                }
            }
        }
        if (!kept.isEmpty()) {
            assertTrue(e.getMessage().contains("the last good checkpoint is " + kept.get(kept.size() - 1)),
                    e.getMessage());
        }
    }

    @Test
    void aRunThatFailsBeforeItsFirstEpochLeavesNoDirectoryItMade() throws IOException {
        // three classes cannot have a simplex ETF in one dimension: the network is refused after config.json
        Map<String, Object> etf = Map.of("model.fixed_etf", true, "model.feature_dim", 1);
        assertThrows(UserError.class, () -> run(tiny("fails-early", etf)));
        assertFalse(Files.exists(tmp.resolve("fails-early")));
        Path mine = Files.createDirectories(tmp.resolve("users-own"));
        Files.writeString(mine.resolve("notes.txt"), "mine");
        assertThrows(UserError.class, () -> run(tiny("users-own", etf)));
        assertTrue(Files.isRegularFile(mine.resolve("notes.txt")), "a directory the user made stays");
        try (Stream<Path> s = Files.list(mine)) {
            assertEquals(List.of("notes.txt"), s.map(p -> p.getFileName().toString()).toList(), "only what was there");
        }
    }

    @Test
    void resumingARunWithoutCheckpointsSaysItStartsFromTheBeginning() throws IOException {
        TrainResult r = run(tiny("no-checkpoint", Map.of("epochs", 1)));
        deleteTree(r.runDir().resolve("checkpoints"));
        java.io.ByteArrayOutputStream log = new java.io.ByteArrayOutputStream();
        Trainer.resume(r.runDir(), new java.io.PrintStream(log, true, java.nio.charset.StandardCharsets.UTF_8)).run();
        String text = log.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(text.startsWith("no checkpoint in " + r.runDir() + ": starting the run from the beginning\n"
                + "mnist-idx, mlp (width 0.03125, depth 3, batch norm): d = 32, "), text);
        assertTrue(text.contains(" trainable parameters; 81 training images (27 per class), 9 validation, 30 test\n"
                + "probe epoch 0:"), text);
    }

    @Test
    void aLastBatchOfOneSampleJoinsThePreviousBatchSoBatchNormCanTrainOnIt() {
        // 81 training samples in batches of 40: 40, then 41 (not 40, 40 and 1: batch norm fails on a batch of one)
        TrainResult r = run(tiny("last-of-one", Map.of("batch_size", 40, "epochs", 1)));
        assertTrue(Double.isFinite(Trainer.toDouble(r.rows().get(1).get("epoch_loss"))));
        // without batch norm a batch of one is fine
        TrainResult single = run(tiny("batch-of-one", Map.of("batch_size", 1, "epochs", 1,
                "model.batch_norm", false)));
        assertTrue(Double.isFinite(Trainer.toDouble(single.rows().get(1).get("epoch_loss"))));
    }

    @Test
    void withLbfgsASmallLastBatchJoinsTheOneBeforeIt() {
        TrainConfig sgd = tiny("ends", Map.of("batch_size", 40));
        TrainConfig lbfgs = tiny("ends", Map.of("batch_size", 40, "optimizer", "LBFGS"));
        // 81 samples: SGD keeps 40, 41 (only a batch of one joins); L-BFGS the same
        assertEquals(List.of(40, 81), ends(81, sgd));
        assertEquals(List.of(40, 81), ends(81, lbfgs));
        // 95 samples: SGD 40, 40, 15; L-BFGS 40, 55 (15 < 20 would be a batch of its own)
        assertEquals(List.of(40, 80, 95), ends(95, sgd));
        assertEquals(List.of(40, 95), ends(95, lbfgs));
        // 100 samples: a remainder of 20 is half a batch and stays
        assertEquals(List.of(40, 80, 100), ends(100, lbfgs));
        List<TrainConfig> configs = new java.util.ArrayList<>(List.of(sgd, lbfgs));
        for (int b = 1; b <= 5; b++) {
            configs.add(tiny("ends", Map.of("batch_size", b, "optimizer", "LBFGS", "model.batch_norm", b > 1)));
            configs.add(tiny("ends", Map.of("batch_size", b, "model.batch_norm", b > 1)));
        }
        for (TrainConfig c : configs) {
            for (int n = 1; n < 300; n++) {
                List<Integer> e = ends(n, c);
                int from = 0;
                for (int to : e) {
                    assertTrue(to - from <= Trainer.largestBatch(c), n + ": " + e);
                    // never a batch of one sample (batch norm cannot train on it), unless one is asked for
                    assertTrue(to - from >= 2 || n == 1 || c.batchSize() == 1, "batch size " + c.batchSize() + ", n = " + n + ": " + e);
                    from = to;
                }
            }
        }
    }

    private static List<Integer> ends(int n, TrainConfig c) {
        List<Integer> out = new java.util.ArrayList<>();
        for (int from = 0; from < n; from = out.get(out.size() - 1)) {
            out.add(Trainer.batchEnd(from, n, c));
        }
        return out;
    }

    @Test
    void aGpuThePyTorchEngineDoesNotSeeIsOneLineBeforeAnythingIsWritten() {
        org.junit.jupiter.api.Assumptions.assumeTrue(ai.djl.engine.Engine.getEngine("PyTorch").getGpuCount() == 0,
                "this machine has a GPU");
        UserError e = assertThrows(UserError.class, () -> run(tiny("gpu", Map.of("device", "gpu"))));
        assertTrue(e.getMessage().startsWith("--device gpu: no GPU visible to the PyTorch engine"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        assertFalse(Files.exists(tmp.resolve("gpu")), "no run directory for a run that cannot start");
    }

    @Test
    void everyOptimiserAndDecayOptionTrains() {
        for (Map<String, Object> s : List.of(
                Map.<String, Object>of("optimizer", "LBFGS", "lr", 1.0, "lbfgs_iterations", 3, "epochs", 1),
                Map.<String, Object>of("nesterov", true, "feature_decay", true, "lambda_h", 1e-3, "epochs", 1,
                        "schedule", "COSINE", "model.fixed_etf", true, "model.bias", false),
                Map.<String, Object>of("loss", "focal:gamma=3", "analytic_gradient", true, "epochs", 1))) {
            Map<String, Object> c = new HashMap<>(s);
            c.put("epochs", 2);
            TrainResult r = run(tiny("opt-" + s.hashCode(), c));
            double before = Trainer.toDouble(r.rows().get(0).get("train_loss"));
            double after = Trainer.toDouble(r.rows().get(r.rows().size() - 1).get("train_loss"));
            assertTrue(after < before, s + ": the training loss went from " + before + " to " + after);
        }
    }

    /**
     * --feature-decay puts each λ where it belongs: a large λ_H shrinks the penultimate features, a large λ_W the
     * classifier, a large λ_b the bias (as the probe sees them after three epochs, against the same run without).
     */
    @Test
    void featureDecayShrinksWhatEachLambdaNames() {
        Map<String, double[]> seen = new HashMap<>();
        for (String which : List.of("none", "lambda_h", "lambda_w", "lambda_b")) {
            Map<String, Object> c = new HashMap<>(Map.of("feature_decay", true, "lambda_h", 0.0, "lambda_w", 0.0,
                    "lambda_b", 0.0, "epochs", 3, "lr", 0.01, "seed", 2));
            if (!which.equals("none")) {
                c.put(which, which.equals("lambda_h") ? 0.5 : 5.0);
            }
            double[] last = new double[3];
            Trainer.of(tiny("decay-" + which, c), null).withCollapseProbe((h, labels, k, w, b) -> {
                try (NDArray hh = h.square().sum(); NDArray ww = w.square().sum(); NDArray bb = b.square().sum()) {
                    last[0] = hh.toType(ai.djl.ndarray.types.DataType.FLOAT64, false).getDouble() / labels.length;
                    last[1] = ww.toType(ai.djl.ndarray.types.DataType.FLOAT64, false).getDouble();
                    last[2] = bb.toType(ai.djl.ndarray.types.DataType.FLOAT64, false).getDouble();
                }
                return Map.of("nc1", 1.0);
            }).run();
            seen.put(which, last);
        }
        double[] none = seen.get("none");
        assertTrue(seen.get("lambda_h")[0] < 0.5 * none[0], "mean |h|^2 " + seen.get("lambda_h")[0] + " vs " + none[0]);
        assertTrue(seen.get("lambda_w")[1] < 0.5 * none[1], "|W|^2 " + seen.get("lambda_w")[1] + " vs " + none[1]);
        assertTrue(seen.get("lambda_b")[2] < 0.5 * none[2], "|b|^2 " + seen.get("lambda_b")[2] + " vs " + none[2]);
    }

    @Test
    void aFixedEtfClassifierLearnsOnReluFeaturesWithAndWithoutABias() {
        // The penultimate features come out of a ReLU; an ETF that favours one class on h >= 0 never gets
        // past chance (1/3 here) without a bias.
        for (Map<String, Object> s : List.of(
                Map.<String, Object>of("model.bias", false, "model.feature_dim", 3),
                Map.<String, Object>of("model.bias", false),
                Map.<String, Object>of("model.feature_dim", 2))) {
            Map<String, Object> c = new HashMap<>(s);
            c.putAll(Map.of("model.fixed_etf", true, "lr", 0.05, "epochs", 8));
            TrainResult r = run(tiny("etf-" + s.hashCode(), c));
            assertTrue(r.finalTrainAccuracy() > 0.9, s + ": " + r.finalTrainAccuracy());
        }
    }

    @Test
    void analyticAndAutogradBackwardGiveTheSameRun() throws IOException {
        for (String loss : List.of("ls:alpha=0.1", "mse:alpha=2,m=3")) {
            TrainResult a = run(tiny("auto-" + loss.hashCode(), Map.of("loss", loss, "epochs", 1)));
            TrainResult b = run(tiny("ana-" + loss.hashCode(), Map.of("loss", loss, "epochs", 1, "analytic_gradient", true)));
            // after an epoch of training (row 0 is the untrained network, before any backward pass)
            for (String col : List.of("epoch_loss", "train_loss")) {
                double x = Trainer.toDouble(a.rows().get(1).get(col));
                assertEquals(x, Trainer.toDouble(b.rows().get(1).get(col)), 1e-4 * Math.abs(x), loss + " " + col);
            }
            assertNotEquals(Trainer.toDouble(a.rows().get(0).get("train_loss")),
                    Trainer.toDouble(a.rows().get(1).get("train_loss")), loss + ": it trained");
        }
    }

    @Test
    void probesHandTheCleanTrainingFeaturesAndTheClassifierToTheNcEngine() {
        int[] calls = new int[1];
        TrainConfig c = tiny("nc", Map.of("epochs", 2, "model.feature_dim", 7, "initial_probe", false));
        TrainResult r = Trainer.of(c, null).withCollapseProbe((h, labels, k, w, b) -> {
            calls[0]++;
            assertEquals(new ai.djl.ndarray.types.Shape(81, 7), h.getShape());
            assertEquals(81, labels.length);
            assertEquals(3, k);
            assertEquals(new ai.djl.ndarray.types.Shape(3, 7), w.getShape());
            assertEquals(new ai.djl.ndarray.types.Shape(3), b.getShape());
            return Map.of("nc1", 1.0 / calls[0], "nc2", 0.5);
        }).run();
        assertEquals(2, calls[0], "epochs 1 and 2 only: no initial probe");
        assertFalse(Files.exists(r.runDir().resolve(RunFiles.MARGINS)), "this probe keeps no margins");
        assertFalse(Files.exists(r.runDir().resolve(RunFiles.FEATURES)), "d = 7: no feature picture");
        assertEquals(0.5, r.summary().get("final_nc1"));
        assertEquals(0.5, r.summary().get("final_nc2"));
        assertEquals(1.0, Trainer.toDouble(r.rows().get(0).get("nc1")));
    }

    @Test
    void theLastProbeWritesTheSortedMarginsAndAtDimensionThreeTheFeatures() throws IOException {
        Path dir = tmp.resolve("final-d3");
        int[] finals = new int[1];
        Trainer.CollapseProbe engine = CollapseMeasures.ENGINE;
        TrainResult r = Trainer.of(tiny("final-d3", Map.of("epochs", 3, "model.feature_dim", 3)), null)
                .withCollapseProbe(new Trainer.CollapseProbe() {
                    @Override
                    public Map<String, Double> measure(NDArray h, int[] labels, int k, NDArray w, NDArray b) {
                        assertFalse(Files.exists(dir.resolve(RunFiles.MARGINS)), "not before the last probe");
                        assertFalse(Files.exists(dir.resolve(RunFiles.FEATURES)), "not before the last probe");
                        return engine.measure(h, labels, k, w, b);
                    }

                    @Override
                    public Final measureFinal(NDArray h, int[] labels, int k, NDArray w, NDArray b) {
                        finals[0]++;
                        return engine.measureFinal(h, labels, k, w, b);
                    }
                }).run();
        assertEquals(1, finals[0]);
        double[] margins = RunFiles.readMargins(dir.resolve(RunFiles.MARGINS));
        assertEquals(81, margins.length);
        for (int i = 1; i < margins.length; i++) {
            assertTrue(margins[i - 1] <= margins[i], "ascending");
        }
        Map<String, Double> last = ProbeTable.of(dir).rows().get(3);
        assertEquals(last.get("cosine_margin_mean"), Arrays.stream(margins).average().orElseThrow(), 1e-9);
        assertEquals(last.get("cosine_margin_min"), margins[0], 1e-12);

        RunFiles.Matrix h = RunFiles.read(dir.resolve(RunFiles.FEATURES));
        RunFiles.Matrix y = RunFiles.read(dir.resolve(RunFiles.LABELS));
        RunFiles.Matrix w = RunFiles.read(dir.resolve(RunFiles.WEIGHTS));
        assertArrayEquals(new long[] {81, 3}, h.shape());
        assertArrayEquals(new long[] {81}, y.shape());
        assertArrayEquals(new long[] {3, 3}, w.shape());
        // a second computation: the NC engine on the saved arrays gives the last probe's numbers
        int[] labels = Arrays.stream(y.values()).mapToInt(v -> (int) v).toArray();
        try (NDManager m = Nd.newManager()) {
            CollapseMetrics again = CollapseMetrics.measure(m.create(h.values(), new Shape(81, 3)), labels, 3,
                    m.create(w.values(), new Shape(3, 3)), null, CollapseMetrics.Options.DEFAULT.withCosineMargins(true));
            assertEquals(last.get("nc1"), again.nc1(), 1e-6 * last.get("nc1"));
            assertArrayEquals(margins, again.cosineMargins(), 1e-9);
        }
        assertEquals(r.runDir(), dir);
    }

    static void deleteTree(Path p) throws IOException {
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }

    @Test
    void theProbeLineShowsADashWithoutAValidationSet() {
        java.util.Map<String, Object> row = new java.util.LinkedHashMap<>();
        row.put("epoch", 3);
        row.put("train_accuracy", 0.9);
        row.put("train_loss", 0.25);
        row.put("val_accuracy", Double.NaN);
        row.put("test_accuracy", 0.8);
        row.put("nc1", 0.5);
        org.junit.jupiter.api.Assertions.assertEquals(
                "probe epoch 3: train acc 0.9000 loss 0.2500 | val acc - | test acc 0.8000 | nc1 0.5000", Trainer.summaryLine(row));
        row.put("val_accuracy", 0.75);
        org.junit.jupiter.api.Assertions.assertTrue(Trainer.summaryLine(row).contains("| val acc 0.7500 |"));
    }
}
