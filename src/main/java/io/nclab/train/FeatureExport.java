package io.nclab.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.nclab.UserError;
import io.nclab.data.BatchAssembler;
import io.nclab.data.ImageData;
import io.nclab.data.TrainingData;
import io.nclab.experiment.ProbeTable;
import io.nclab.experiment.Provenance;
import io.nclab.io.IoErrors;
import io.nclab.io.Json;
import io.nclab.io.Npy;
import io.nclab.loss.LossSpec;
import io.nclab.model.Network;
import io.nclab.nd.Nd;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The penultimate features of a training run's model over one of its sets (the clean, unaugmented images,
 * the same forward pass as a probe), with the labels and the classifier, as the .npy files that the UFM
 * writes and {@code nclab metrics} (or NumPy) reads: {@value #FEATURES} (N×d float32), {@value #LABELS}
 * (N int64: the labels trained on, so a --random-labels run's random ones for the training set),
 * {@value #WEIGHTS} (K×d) and {@value #BIAS} (K; zeros for a network without a bias, which is the same
 * decision rule), and a config.json saying which run, model, epoch and set they come from.
 */
public final class FeatureExport {
    private FeatureExport() {}

    public static final String FEATURES = "features.npy";
    public static final String LABELS = "labels.npy";
    public static final String WEIGHTS = "W.npy";
    public static final String BIAS = "b.npy";

    /** Which of the run's models: the one with the best validation accuracy, or the newest checkpoint's. */
    public enum Model {
        BEST, LAST;

        public static Model parse(String s) {
            return switch (s.toLowerCase(Locale.ROOT)) {
                case "best" -> BEST;
                case "last" -> LAST;
                default -> throw new UserError("--model must be best or last, got '" + s + "'");
            };
        }
    }

    /** Which of the run's three sets. */
    public enum Set {
        TRAIN, VALIDATION, TEST;

        public static Set parse(String s) {
            return switch (s.toLowerCase(Locale.ROOT)) {
                case "train" -> TRAIN;
                case "validation", "val" -> VALIDATION;
                case "test" -> TEST;
                default -> throw new UserError("--set must be train, validation or test, got '" + s + "'");
            };
        }

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * What was written: the model (and how to name it: best-validation, or without a validation set the last
     * probe's), its epoch, the set's size, its accuracy and mean loss under that model, and the native threads of
     * the run's probe at that epoch (its forward pass's sums, and so the features' last digits, can depend on them;
     * at the MLP's sizes they did not).
     */
    public record Result(Path out, Model model, String modelName, int epoch, Set set, int samples, int dim,
            int classes, double accuracy, double loss, List<String> files, int threads) {}

    /**
     * Writes the features of {@code set} under {@code model} of the run in {@code runDir} into {@code out}
     * (made if absent; the four files are replaced, each atomically), on {@code device} (cpu or gpu) with the
     * caller's thread count.
     */
    public static Result export(Path runDir, Model model, Set set, Path out, String device) {
        TrainConfig config = Trainer.readConfig(runDir, "--run");
        Provenance.requireOutputFolder(out, "features", "--out");
        Path params;
        int epoch;
        if (model == Model.BEST) {
            params = runDir.resolve("best-model.params");
            if (!Files.isRegularFile(params)) {
                // the untrained network's probe (epoch 0) is never kept: a run that diverged before its first
                // trained probe has none
                throw new UserError("--run " + runDir + ": no best-model.params (the run has no probe of a trained"
                        + " model" + (Files.exists(runDir.resolve(Trainer.DIVERGED)) ? ": it diverged before its first one"
                                : " yet") + "); --model last takes its newest checkpoint, if it has one");
            }
            epoch = bestEpoch(runDir);
        } else {
            params = null;
            epoch = -1;
        }
        // The model file is opened now and read later: a run that is training rotates its older checkpoints away,
        // and an open file outlives its removal (the newest one is listed again if it went before it was opened).
        InputStream in = null;
        for (int attempt = 0; in == null; attempt++) {
            if (model == Model.LAST) {
                List<Path> all = new Checkpoints(runDir, Integer.MAX_VALUE).list();
                if (all.isEmpty()) {
                    throw new UserError("--run " + runDir + ": no checkpoint (the run has not finished an epoch)");
                }
                Path newest = all.get(all.size() - 1);
                params = newest.resolve(Checkpoints.MODEL);
                epoch = Integer.parseInt(newest.getFileName().toString().substring("epoch-".length()));
            }
            try {
                in = Files.newInputStream(params);
            } catch (java.nio.file.NoSuchFileException e) {
                if (model != Model.LAST || attempt >= 5) {
                    throw new UserError("cannot load " + params + ": " + IoErrors.reason(e));
                }
            } catch (IOException e) {
                throw new UserError("cannot load " + params + ": " + IoErrors.reason(e));
            }
        }
        try (InputStream file = in) {
            return export(runDir, config, model, set, out, device, params, file, epoch);
        } catch (IOException e) {
            throw new UserError("cannot read " + params + ": " + IoErrors.reason(e));
        }
    }

    private static Result export(Path runDir, TrainConfig config, Model model, Set set, Path out, String device,
            Path params, InputStream modelFile, int epoch) {
        TrainingData data = Trainer.prepareData(config);
        ImageData images = switch (set) {
            case TRAIN -> data.train();
            case VALIDATION -> data.validation();
            case TEST -> data.test();
        };
        if (images.size() == 0) {
            throw new UserError("--run " + runDir + " has no " + set.label() + " set"
                    + (set == Set.VALIDATION ? " (it was trained with --val-fraction 0)" : ""));
        }
        try (NDManager manager = Nd.newManager(Trainer.device(device))) {
            ImageData train = data.train();
            Network net = Network.build(config.model(), train.channels(), train.height(), train.width(),
                    data.classes(), manager);
            try {
                net.load(manager, new DataInputStream(new BufferedInputStream(modelFile)));
            } catch (IOException e) {
                throw new UserError("cannot load " + params + ": " + IoErrors.reason(e));
            }
            ParameterStore store = new ParameterStore(manager, false);
            BatchAssembler assembler = new BatchAssembler(images, data.normalization());
            // the probe's own pass and batch size, so the training set's features are the probe's to the bit
            Probe.SetResult r = Probe.run(net, store, assembler, LossSpec.parse(config.loss()),
                    Trainer.probeBatch(config), true, manager);
            NDArray features = r.features();
            NDArray weights = net.classifierWeight();
            NDArray bias = net.classifierBias();
            if (bias == null) {
                bias = manager.zeros(new Shape(data.classes()), weights.getDataType());
            }
            Map<String, Object> settings = new LinkedHashMap<>();
            settings.put("run", runDir.toAbsolutePath().normalize().toString());
            settings.put("model", model.name().toLowerCase(Locale.ROOT));
            settings.put("epoch", epoch);
            settings.put("set", set.label());
            settings.put("device", device);
            NDArray b = bias;
            Provenance.writing(out, "features", settings, () -> {
                Npy.writeLabels(out.resolve(LABELS), images.labels());
                Npy.write(out.resolve(WEIGHTS), weights);
                Npy.write(out.resolve(BIAS), b.toType(weights.getDataType(), false));
                Npy.write(out.resolve(FEATURES), features.toType(DataType.FLOAT32, false));
                return null;
            });
            String name = model == Model.LAST ? "newest checkpoint's"
                    : config.valFraction() > 0 ? "best-validation" : "kept (no validation set: the last probe's)";
            return new Result(out, model, name, epoch, set, images.size(), (int) features.getShape().get(1),
                    data.classes(), r.accuracy(), r.loss(), List.of(FEATURES, LABELS, WEIGHTS, BIAS, "config.json"),
                    probeThreads(runDir, epoch, config));
        }
    }

    /**
     * The native threads the run's probe of {@code epoch} ran on: its row of timing.jsonl (a continuation may have
     * changed the count), else the run's setting (0: every core, as train reads it).
     */
    static int probeThreads(Path runDir, int epoch, TrainConfig config) {
        try {
            for (String line : Files.readAllLines(runDir.resolve("timing.jsonl"))) {
                Map<?, ?> row = line.isBlank() ? Map.of() : Json.MAPPER.readValue(line, Map.class);
                if (row.get("epoch") instanceof Number e && e.intValue() == epoch && row.get("threads") instanceof Number t) {
                    return t.intValue();
                }
            }
        } catch (IOException | RuntimeException e) {
            // no timing rows to go by
        }
        return config.threads() > 0 ? config.threads() : Runtime.getRuntime().availableProcessors();
    }

    /** The epoch whose model best-model.params holds (-1 when its metrics.csv has no trained probe). */
    static int bestEpoch(Path runDir) {
        Map<String, Double> best = ProbeTable.of(runDir).bestTrained();
        return best == null || best.get("epoch") == null ? -1 : best.get("epoch").intValue();
    }
}
