package io.nclab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.nclab.data.TinyData;
import io.nclab.io.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainCommandTest {
    @TempDir
    Path tmp;

    /** Exit code, standard output and standard error of {@code nclab args...}. */
    static CliRunner.Result nclab(String... args) {
        return CliRunner.run(args);
    }

    private static JsonNode lastJson(CliRunner.Result r) throws IOException {
        String[] lines = r.out().strip().split("\n");
        return Json.MAPPER.readTree(lines[lines.length - 1]);
    }

    @Test
    void resnet18AndWideResNet50TrainAnEpochOnCifarFormatFiles() throws IOException {
        Path c10 = TinyData.cifar10(tmp.resolve("c10"), 20, 4); // every class in the training set
        for (String[] model : new String[][] {{"--model", "resnet18", "--width", "0.25"}, {"--model", "wrn50", "--width", "0.25"}}) {
            String[] args = concat(new String[] {"train", "--dataset", "cifar10", "--data-dir", c10.toString(),
                "--epochs", "1", "--batch-size", "10", "--val-fraction", "0", "--out", tmp.resolve(model[1]).toString(),
                "--json"}, model);
            CliRunner.Result r = nclab(args);
            assertEquals(0, r.code(), r.err());
            // four test images cannot hold ten classes: the run says whose test accuracy it cannot measure
            assertTrue(r.err().contains("note: the test set has no image of classes ") && r.err().contains("(of 10):"
                    + " test accuracy covers the other classes only"), r.err());
            JsonNode j = lastJson(r);
            assertEquals(1, j.get("epochs").asInt());
            // a number in [0, 1] (null, an undefined accuracy, would read as 0 through asDouble)
            assertTrue(j.get("test_accuracy").isNumber() && j.get("test_accuracy").asDouble() >= 0
                    && j.get("test_accuracy").asDouble() <= 1, j.toString());
            List<String> csv = Files.readAllLines(tmp.resolve(model[1]).resolve("metrics.csv"));
            int lossColumn = Arrays.asList(csv.get(0).split(",")).indexOf("epoch_loss");
            double epochLoss = Double.parseDouble(csv.get(csv.size() - 1).split(",")[lossColumn]);
            assertTrue(Double.isFinite(epochLoss) && epochLoss > 0, "the epoch trained: epoch_loss " + epochLoss);
            assertTrue(j.get("best_val_accuracy").isNull(), "no validation set: null, not the string NaN: " + j);
            String cfg = Files.readString(tmp.resolve(model[1]).resolve("config.json"));
            assertTrue(cfg.contains("\"augment\" : true"), "CIFAR-type data is augmented by default");
        }
    }

    @Test
    void imageFolderTrains() throws IOException {
        Path dir = TinyData.imageFolder(tmp.resolve("folder"), 2, 4, 8);
        CliRunner.Result r = nclab("train", "--dataset", "image-folder", "--data-dir", dir.toString(), "--model", "resnet18",
                "--width", "0.125", "--epochs", "1", "--batch-size", "4", "--val-fraction", "0.25", "--no-augment",
                "--out", tmp.resolve("run").toString(), "--json");
        assertEquals(0, r.code(), r.err());
        assertTrue(lastJson(r).has("best_val_accuracy"));
    }

    /** A network that cannot fit in memory is refused before anything is built or written (it was killed silently). */
    @Test
    void aNetworkTooLargeForMemoryIsRefusedUpFront() throws IOException {
        Path c10 = TinyData.cifar10(tmp.resolve("c10-huge"), 20, 4);
        Path out = tmp.resolve("huge");
        CliRunner.Result r;
        System.setProperty("nclab.memory.available", "24000000000"); // as on a 24 GB machine, whatever this one has
        try {
            r = nclab("train", "--dataset", "cifar10", "--data-dir", c10.toString(), "--model", "resnet18", "--width",
                    "64", "--epochs", "1", "--out", out.toString());
        } finally {
            System.clearProperty("nclab.memory.available");
        }
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().startsWith("nclab train: --width 64: the network would have about 45,"), r.err());
        assertTrue(r.err().contains("but this machine has 24.0 GB of memory available"), r.err());
        assertTrue(r.err().strip().endsWith("use a smaller --width"), r.err());
        assertTrue(!Files.exists(out), "no run directory");
    }

    /**
     * A batch whose layer outputs would not fit is refused before anything is written (ResNet18 keeps about 8 MB a
     * sample of 32×32 images: 4,096 of them are 33 GB).
     */
    @Test
    void aBatchTooLargeForMemoryIsRefusedUpFront() throws IOException {
        // enough images for a batch of 4,096 (a batch never holds more than the training set)
        Path c10 = TinyData.cifar10(tmp.resolve("c10-batch"), 4600, 4);
        Path out = tmp.resolve("big-batch");
        CliRunner.Result r;
        System.setProperty("nclab.memory.available", "24000000000");
        try {
            r = nclab("train", "--dataset", "cifar10", "--data-dir", c10.toString(), "--model", "resnet18",
                    "--batch-size", "4096", "--epochs", "1", "--out", out.toString());
            assertEquals(2, r.code(), r.err());
            assertTrue(r.err().startsWith("nclab train: --batch-size 4096: a training step would keep about 33."), r.err());
            assertTrue(r.err().contains("(8.13 MB a sample)") && r.err().contains("24.0 GB of memory available"), r.err());
            assertTrue(r.err().strip().endsWith("use a smaller --batch-size or --width"), r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertTrue(!Files.exists(out), "no run directory");
            // a batch whose outputs fit, but not with the backward pass and the runtime: let through, with a note
            io.nclab.data.ImageData train = io.nclab.data.DatasetKind.CIFAR10.load(c10).train();
            io.nclab.train.TrainConfig close = io.nclab.train.TrainConfig.defaults().with(java.util.Map.of(
                    "model.architecture", "RESNET18", "batch_size", 2600));
            String note = io.nclab.train.Trainer.requireRoomForTheNetwork(close, train, 10);
            assertTrue(note != null && note.startsWith("note: with its backward pass this run may need about 2"), note);
            io.nclab.train.TrainConfig roomy = close.with(java.util.Map.of("batch_size", 128));
            assertEquals(null, io.nclab.train.Trainer.requireRoomForTheNetwork(roomy, train, 10));
            // the same 4,096 asked of 20 images is full-batch training on 20: let through (an audit saw it refused)
            io.nclab.data.ImageData twenty = io.nclab.data.DatasetKind.CIFAR10.load(
                    TinyData.cifar10(tmp.resolve("c10-twenty"), 20, 4)).train();
            assertEquals(null, io.nclab.train.Trainer.requireRoomForTheNetwork(close.with(java.util.Map.of(
                    "batch_size", 100_000_000)), twenty, 10));
        } finally {
            System.clearProperty("nclab.memory.available");
        }
    }

    /**
     * Values past what any run needs are refused in one line before anything is written: a thread count in the
     * thousands (PyTorch stalls for minutes, deaf to SIGTERM), a feature dimension or MLP depth that the sizing builds
     * themselves could not hold.
     */
    @Test
    void absurdSizesAndThreadCountsAreRefusedUpFront() {
        int max = io.nclab.nd.Nd.maxThreads();
        String[][] bad = {
            {"train", "--threads", "100000"},
            {"train", "--feature-dim", "100000000"},
            {"train", "--depth", "1000000000"},
            {"ufm", "--threads", Integer.toString(max + 1)},
            {"sweep", "--name", "t", "--root", tmp.resolve("sweeps").toString(), "--threads", "100000"},
        };
        String[] says = {"--threads must be at most " + max, "--feature-dim must be from 1 to 1,000,000",
            "--depth must be from 1 to 1000", "--threads must be at most " + max, "--threads must be at most " + max};
        for (int i = 0; i < bad.length; i++) {
            java.util.List<String> args = new java.util.ArrayList<>(List.of(bad[i]));
            if (bad[i][0].equals("train")) {
                args.addAll(List.of("--out", tmp.resolve("absurd-" + i).toString()));
            }
            CliRunner.Result r = nclab(args.toArray(new String[0]));
            assertEquals(2, r.code(), args + "\n" + r.err());
            assertTrue(r.err().contains(says[i]), r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertTrue(!Files.exists(tmp.resolve("absurd-" + i)), "nothing written");
        }
        assertTrue(!Files.exists(tmp.resolve("sweeps")), "nothing written");
        assertEquals(0, nclab("ufm", "--threads", Integer.toString(max), "--iters", "1").code());
    }

    /** A second run into a finished run's directory is refused and leaves every file of the first in place. */
    @Test
    void aRunDirectoryThatHoldsARunIsRefusedUntouched() throws IOException {
        Path idx = TinyData.idx(tmp.resolve("idx-again"), 30, 9, 3, 4, 4, false);
        Path run = tmp.resolve("twice");
        String[] args = {"train", "--dataset", "mnist-idx", "--data-dir", idx.toString(), "--epochs", "1",
            "--batch-size", "10", "--val-fraction", "0", "--threads", "1", "--out", run.toString()};
        assertEquals(0, nclab(args).code());
        java.util.List<String> before;
        try (var files = Files.list(run)) {
            before = files.map(f -> f.getFileName().toString()).sorted().toList();
        }
        CliRunner.Result again = nclab(args);
        assertEquals(2, again.code(), again.err());
        assertTrue(again.err().contains("already holds a run"), again.err());
        try (var files = Files.list(run)) {
            assertEquals(before, files.map(f -> f.getFileName().toString()).sorted().toList());
        }
        assertTrue(before.contains("config.json") && before.contains("metrics.csv"), before.toString());
    }

    @Test
    void badInputsAreOneLineErrors() throws IOException {
        Path idx = TinyData.idx(tmp.resolve("idx"), 30, 9, 3, 4, 4, false);
        Path c10 = TinyData.cifar10(tmp.resolve("c10"), 6, 2);
        byte[] b = Files.readAllBytes(c10.resolve("test_batch.bin"));
        Files.write(c10.resolve("test_batch.bin"), Arrays.copyOf(b, b.length - 1));
        Path badIdx = Files.createDirectories(tmp.resolve("badidx"));
        for (Path f : Files.list(idx).toList()) {
            Files.copy(f, badIdx.resolve(f.getFileName()));
        }
        byte[] h = Files.readAllBytes(badIdx.resolve("t10k-images-idx3-ubyte"));
        h[3] = 7;
        Files.write(badIdx.resolve("t10k-images-idx3-ubyte"), h);
        Path file = Files.writeString(tmp.resolve("a-file"), "not a directory");
        String[][] cases = {
            {"--out " + file + " exists and is not a directory", "train", "--out", file.toString()},
            {"unknown model 'vgg'", "train", "--model", "vgg"},
            {"--per-class 100 but class", "train", "--dataset", "mnist-idx", "--data-dir", idx.toString(), "--per-class", "100"},
            {"corrupt IDX header", "train", "--dataset", "mnist-idx", "--data-dir", badIdx.toString()},
            {"truncated CIFAR file", "train", "--dataset", "cifar10", "--data-dir", c10.toString()},
            {"unknown loss", "train", "--loss", "hinge"},
            {"--fixed-etf needs --feature-dim", "train", "--dataset", "mnist-idx", "--data-dir", idx.toString(),
                "--fixed-etf", "--feature-dim", "1", "--out", tmp.resolve("etf").toString()},
            {"needs --data-dir", "train", "--dataset", "cifar10"},
            {"unknown dataset", "train", "--dataset", "svhn"},
            {"no config.json", "train", "--resume", tmp.toString()},
            {"--resume continues " + tmp + " with its saved configuration (config.json): --epochs, --loss cannot change"
                + " it; leave them out, or start a new run with --out (with --resume only --threads, --device and"
                + " --json apply)", "train", "--resume", tmp.toString(), "--epochs", "4", "--threads", "1",
                "--loss", "mse", "--json"},
            {"--no-batch-norm cannot change it; leave it out", "train", "--no-batch-norm", "--resume", tmp.toString()},
            {"--batch-size 1 with batch norm: batch normalisation needs at least 2 samples per training batch;"
                + " use --batch-size >= 2 or --no-batch-norm", "train", "--batch-size", "1"},
            {"--weight-decay must be finite and >= 0, got -1.0", "train", "--weight-decay", "-1"},
            {"--clip must be finite and >= 0, got -1.0", "train", "--clip", "-1"},
            {"--lambda-h must be finite and >= 0, got -0.5", "train", "--feature-decay", "--lambda-h", "-0.5"},
            {"--step-every must be positive, got 0", "train", "--schedule", "step", "--step-every", "0"},
            {"--step-every must be positive, got -2", "train", "--schedule", "step", "--step-every", "-2"},
            {"--batch-size 1 with batch norm: the ResNets'", "train", "--model", "resnet18", "--batch-size", "1"},
            {"--momentum and --nesterov are SGD's; the optimizer is adam (the mlp's default): add --optimizer sgd",
                "train", "--momentum", "0.95"},
            {"add --feature-decay", "train", "--lambda-w", "1e-3"},
            {"--lbfgs-history is L-BFGS's; the optimizer is adam: add --optimizer lbfgs", "train", "--lbfgs-history",
                "5"},
            {"--augment and --no-augment contradict", "train", "--augment", "--no-augment"},
            {"--lbfgs-iterations is L-BFGS's; the optimizer is sgd: add --optimizer lbfgs", "train", "--optimizer",
                "sgd", "--lbfgs-iterations", "5"},
            {"--nesterov needs momentum", "train", "--optimizer", "sgd", "--nesterov", "--momentum", "0"},
            {"--step-every sets --schedule step's interval; the schedule is cosine: add --schedule step", "train",
                "--step-every", "5"},
            {"--imbalance-profile shapes an imbalanced training set", "train", "--imbalance-profile", "exp"},
            {"--lambda-b decays the classifier's bias, and --no-bias removes it", "train", "--feature-decay",
                "--lambda-b", "1e-3", "--no-bias"},
            {"--depth is the MLP's; resnet18 has a fixed depth", "train", "--model", "resnet18", "--depth", "5"},
            {"--lambda-w decays the classifier, and --fixed-etf freezes it: give one", "train", "--feature-decay",
                "--lambda-w", "7", "--fixed-etf"},
            {"--clip is the first-order optimizers'; L-BFGS's strong-Wolfe line search chooses its own step", "train",
                "--optimizer", "lbfgs", "--clip", "0.001"},
            {"--no-batch-norm is the MLP's; wrn50", "train", "--model", "wrn50", "--no-batch-norm"},
            {"--per-class must be a positive count, or 0 for every sample, got -1", "train", "--per-class", "-1"},
            {"--feature-dim must be positive, got 0 (leave it out", "train", "--feature-dim", "0"},
        };
        for (String[] c : cases) {
            CliRunner.Result r = nclab(Arrays.copyOfRange(c, 1, c.length));
            assertEquals(2, r.code(), c[0] + ": " + r.err());
            assertEquals(1, r.err().strip().split("\n").length, r.err());
            assertTrue(r.err().contains(c[0]), r.err());
        }
    }

    /**
     * A config.json with a bad setting (edited by hand) is one line naming the setting, what it must be and what it
     * is, without Jackson's words for it, for --resume and features --run alike.
     */
    @Test
    void aBadSettingInConfigJsonIsNamedInOneLine() throws IOException {
        Object[][] cases = {
            {"model", "big", "bad training settings: model must be an object of architecture, width, depth,"
                + " feature_dim, fixed_etf, bias, batch_norm; got \"big\""},
            {"optimizer", "fast", "bad training settings: optimizer must be one of \"SGD\", \"ADAM\", \"LBFGS\"; got"
                + " \"fast\""},
            {"epochs", 1e12, "bad training settings: epochs must be a whole number up to 2147483647; got 1.0E12"},
            {"lr", List.of(1), "bad training settings: lr must be a number; got [1]"},
            {"colour", "red", "bad training settings: unknown setting colour"},
            {"device", null, "bad training settings: device is missing"},
        };
        for (Object[] c : cases) {
            java.util.Map<String, Object> settings = io.nclab.train.TrainConfig.defaults().settings();
            settings.put((String) c[0], c[1]);
            Path run = Files.createDirectories(tmp.resolve("run-" + c[0]));
            Json.writePretty(run.resolve("config.json"), java.util.Map.of("command", "train", "settings", settings));
            for (String[] args : new String[][] {{"train", "--resume", run.toString()}, {"features", "--run",
                    run.toString()}}) {
                CliRunner.Result r = nclab(args);
                assertEquals(2, r.code(), r.err());
                assertEquals("nclab " + args[0] + ": " + c[2], r.err().strip());
            }
        }
    }

    /**
     * Zero asks for nothing a run would ignore: --clip 0 with L-BFGS, --lambda-w 0 with a fixed ETF, --momentum 0
     * with Adam (so a sweep's grid may cross them with a shared zero).
     */
    @Test
    void zeroClipWithLbfgsAndZeroLambdaWWithAFixedEtfAreAccepted() {
        for (String[] args : new String[][] {{"--optimizer", "lbfgs", "--clip", "0"},
                {"--fixed-etf", "--feature-decay", "--lambda-w", "0"}, {"--optimizer", "adam", "--momentum", "0"}}) {
            TrainCommand t = new TrainCommand();
            new picocli.CommandLine(t).parseArgs(args);
            assertEquals(0.0, args[1].equals("lbfgs") ? t.check().clip() : args[1].equals("adam") ? t.check().momentum()
                    : t.check().lambdaW(), Arrays.toString(args));
        }
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
