package io.nclab.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.nclab.data.TinyData;
import io.nclab.experiment.RunFiles;
import io.nclab.io.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code nclab features}: a run's features as .npy files, measured again by {@code nclab metrics}. */
class FeaturesCommandTest {
    @TempDir
    static Path tmp;

    static Path idx;
    /** A finished run with a validation set (three epochs, so best and last can differ) and random labels. */
    static Path run;

    @BeforeAll
    static void train() throws IOException {
        idx = TinyData.idx(tmp.resolve("idx"), 120, 30, 3, 8, 8, true);
        run = tmp.resolve("run");
        CliRunner.Result r = CliRunner.run("train", "--dataset", "mnist-idx", "--data-dir", idx.toString(), "--width",
                "0.03125", "--epochs", "3", "--batch-size", "16", "--val-fraction", "0.25", "--random-labels", "0.5",
                "--threads", "1", "--out", run.toString());
        assertEquals(0, r.code(), r.err());
    }

    private static JsonNode lastJson(CliRunner.Result r) throws IOException {
        String[] lines = r.out().strip().split("\n");
        return Json.MAPPER.readTree(lines[lines.length - 1]);
    }

    private static JsonNode metrics(Path dir) throws IOException {
        return metrics(dir, 0);
    }

    /** `nclab metrics` of an exported folder, with --threads (0: every core, the default). */
    private static JsonNode metrics(Path dir, int threads) throws IOException {
        CliRunner.Result m = CliRunner.run("metrics", "--features", dir.resolve("features.npy").toString(), "--labels",
                dir.resolve("labels.npy").toString(), "--weights", dir.resolve("W.npy").toString(), "--bias",
                dir.resolve("b.npy").toString(), "--threads", String.valueOf(threads), "--json");
        assertEquals(0, m.code(), m.err());
        return lastJson(m);
    }

    /**
     * The last checkpoint's training features, measured by `nclab metrics`, give the last probe's NC metrics to the
     * bit (the same forward pass and batch size, the same engine); the labels are the random ones trained on.
     */
    @Test
    void lastModelsTrainingFeaturesReproduceTheLastProbe() throws IOException {
        Path out = tmp.resolve("last-train");
        CliRunner.Result r = CliRunner.run("features", "--run", run.toString(), "--model", "last", "--out",
                out.toString(), "--threads", "1", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = lastJson(r);
        assertEquals(3, j.get("epoch").asInt());
        assertEquals("train", j.get("set").asText());
        assertEquals(3, j.get("classes").asInt());
        JsonNode probe = Json.MAPPER.readTree(Files.readAllLines(run.resolve("metrics.jsonl")).get(3));
        assertEquals(3, probe.get("epoch").asInt());
        // the thread count the probe's forward pass ran on (the run's --threads 1)
        assertEquals(1, j.get("probe_threads").asInt());
        // the engine splits its sums the same way on any thread count: the probe's numbers on one and on every core
        for (int threads : new int[] {1, 0, 3}) {
            JsonNode m = metrics(out, threads);
            for (String key : List.of("nc1", "nc2", "nc3", "nc4", "cdnv", "numerical_rank", "cosine_margin_mean")) {
                assertTrue(m.get(key).isNumber(), key + " in " + m);
                assertEquals(probe.get(key).asDouble(), m.get(key).asDouble(), 0, key + " on --threads " + threads);
            }
        }
        JsonNode m = metrics(out);
        assertEquals(probe.get("train_accuracy").asDouble(), m.get("accuracy").asDouble(), 0);
        assertEquals(probe.get("train_accuracy").asDouble(), j.get("accuracy").asDouble(), 0);
        JsonNode saved = Json.MAPPER.readTree(run.resolve("train-labels.json").toFile()).get("labels");
        double[] labels = RunFiles.read(out.resolve("labels.npy")).values();
        assertEquals(saved.size(), labels.length);
        for (int i = 0; i < labels.length; i++) {
            assertEquals(saved.get(i).asInt(), (int) labels[i], "label " + i);
        }
        RunFiles.Matrix w = RunFiles.read(out.resolve("W.npy"));
        assertArrayEquals(new long[] {3, j.get("dim").asInt()}, w.shape());
    }

    /** The best model's test features classify the test set as well as the run says its best model does. */
    @Test
    void bestModelsTestFeaturesGiveTheRunsTestAccuracy() throws IOException {
        CliRunner.Result r = CliRunner.run("features", "--run", run.toString(), "--set", "test", "--threads", "1");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("measure them: ./nclab metrics --features"), r.out());
        assertFalse(r.out().contains("--threads"), "the same thread count as the probe's: no note: " + r.out());
        // on another count than the probe's, the command says which one gives the probe's features
        CliRunner.Result other = CliRunner.run("features", "--run", run.toString(), "--set", "test", "--threads", "2",
                "--out", tmp.resolve("test-on-2").toString());
        assertEquals(0, other.code(), other.err());
        assertTrue(other.out().contains("on 1 thread, this one on 2") && other.out().contains("--threads 1 gives"),
                other.out());
        Path out = run.resolve("features-best-test"); // the default folder
        List<JsonNode> probes = Files.readAllLines(run.resolve("metrics.jsonl")).stream().map(l -> {
            try {
                return Json.MAPPER.readTree(l);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }).toList();
        JsonNode best = probes.get(1); // the untrained network (epoch 0) is never the kept model
        for (JsonNode p : probes.subList(1, probes.size())) {
            if (p.get("val_accuracy").asDouble() > best.get("val_accuracy").asDouble()) {
                best = p;
            }
        }
        assertTrue(r.out().contains("(epoch " + best.get("epoch").asInt() + ")"), r.out());
        assertEquals(best.get("test_accuracy").asDouble(), metrics(out).get("accuracy").asDouble(), 0);
        assertEquals(30, RunFiles.read(out.resolve("labels.npy")).rows());
    }

    @Test
    void mistakesAreOneLine() throws IOException {
        Path noVal = tmp.resolve("noval");
        CliRunner.Result trained = CliRunner.run("train", "--dataset", "mnist-idx", "--data-dir", idx.toString(),
                "--width", "0.03125", "--epochs", "1", "--val-fraction", "0", "--threads", "1", "--checkpoint-every", "5",
                "--out", noVal.toString());
        assertEquals(0, trained.code(), trained.err());
        assertTrue(trained.out().contains("no validation set: the kept model is the last probe's (epoch 1)"),
                trained.out());
        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        String[][] cases = {
            {"--run", tmp.resolve("nowhere").toString()}, // no config.json
            {"--run", idx.toString()},
            {"--run", run.toString(), "--model", "first"},
            {"--run", run.toString(), "--set", "holdout"},
            {"--run", run.toString(), "--out", file.toString()},
            {"--run", run.toString(), "--out", run.toString()}, // a training run's own folder
            {"--run", run.toString(), "--device", "tpu"},
            {"--run", run.toString(), "--threads", "-1"},
            {"--run", noVal.toString(), "--set", "validation"},
        };
        String[] expected = {"no config.json", "no config.json", "--model must be best or last",
            "--set must be train, validation or test", "exists and is not a directory",
            "holds a train run's files; give a new or empty folder", "--device must be cpu or gpu",
            "--threads must be >= 0", "has no validation set (it was trained with --val-fraction 0)"};
        for (int i = 0; i < cases.length; i++) {
            String[] args = new String[cases[i].length + 1];
            args[0] = "features";
            System.arraycopy(cases[i], 0, args, 1, cases[i].length);
            CliRunner.Result r = CliRunner.run(args);
            assertTrue(r.code() != 0, String.join(" ", args));
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertTrue(r.err().contains(expected[i]), r.err());
        }
        assertFalse(Files.exists(noVal.resolve("features-best-validation")), "nothing written on refusal");
        // config.json of another shape: one line, not a ClassCastException
        Path odd = Files.createDirectories(tmp.resolve("odd"));
        for (String text : new String[] {"{\"command\":\"train\",\"settings\":\"x\"}", "null", "[1]"}) {
            Files.writeString(odd.resolve("config.json"), text);
            CliRunner.Result r = CliRunner.run("features", "--run", odd.toString());
            assertEquals(2, r.code(), text + ": " + r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
        }
        // a run whose checkpoints are gone has no last model, but its best model is still there
        try (var s = Files.list(noVal.resolve("checkpoints"))) {
            for (Path c : s.toList()) {
                try (var t = Files.walk(c)) {
                    t.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
        CliRunner.Result r = CliRunner.run("features", "--run", noVal.toString(), "--model", "last");
        assertTrue(r.code() != 0);
        assertTrue(r.err().contains("no checkpoint"), r.err());
        CliRunner.Result kept = CliRunner.run("features", "--run", noVal.toString(), "--threads", "1");
        assertEquals(0, kept.code(), kept.err());
        // without a validation set the kept model is not a best-validation one
        assertTrue(kept.out().contains("kept (no validation set: the last probe's) model (epoch 1)")
                && !kept.out().contains("best-validation"), kept.out());
        // a run that diverged before its first trained probe has only the untrained network's probe
        Files.delete(noVal.resolve("best-model.params"));
        Files.writeString(noVal.resolve(io.nclab.train.Trainer.DIVERGED), "diverged\n");
        CliRunner.Result none = CliRunner.run("features", "--run", noVal.toString());
        assertEquals(2, none.code(), none.err());
        assertTrue(none.err().contains("no probe of a trained model: it diverged before its first one)")
                && none.err().contains("--model last"), none.err());
    }
}
