package io.nclab.train;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import io.nclab.UserError;
import io.nclab.data.DatasetKind;
import io.nclab.data.Splits.ImbalanceProfile;
import io.nclab.io.Json;
import io.nclab.loss.LossSpec;
import io.nclab.model.Architecture;
import io.nclab.model.ModelSpec;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Every setting of a training run, as one value: the CLI builds it, sweeps build it programmatically,
 * {@code config.json} records it (snake_case keys, the CLI flags' names) and {@code --resume} reads it
 * back. {@link #defaults(Architecture)} is the one place where the defaults are set.
 *
 * @param dataDir the dataset's directory; null for Fashion-MNIST's installed one
 * @param loss a loss spec of {@link LossSpec}
 * @param featureDecay the UFM-style split of weight decay: λ_W on W, λ_b on b, λ_H·½‖h‖² (per sample) on
 *     the raw penultimate features, {@code weightDecay} on the feature extractor's parameters
 * @param stepEvery with schedule STEP: ×0.1 every this many epochs
 * @param clip the gradient-norm clipping threshold, 0 for none
 * @param perClass training samples per class, 0 for all
 * @param imbalance the ratio of the largest to the smallest class, 1 for balanced
 * @param randomLabels the fraction of training labels replaced by random ones
 * @param augment random crop and flip on training batches (default: on for CIFAR-type data)
 * @param out the run directory
 * @param initialProbe probe the untrained network too (epoch 0), the origin of every training curve
 * @param device where the network runs: cpu (the default) or gpu
 * @param analyticGradient backpropagate the loss's analytic logit gradient instead of autograd through it
 * @param threads native (intra-op) threads, 0 for every core; on a loaded machine one thread can be much
 *     faster than two, since each parallel operation waits for its slowest thread
 */
public record TrainConfig(
        DatasetKind dataset, String dataDir, ModelSpec model, String loss,
        OptimizerKind optimizer, double lr, double momentum, boolean nesterov, int epochs, int batchSize,
        double weightDecay, boolean featureDecay, double lambdaW, double lambdaH, double lambdaB,
        Schedule schedule, int stepEvery, double clip,
        int perClass, double valFraction, double imbalance, ImbalanceProfile imbalanceProfile,
        double randomLabels, boolean augment, long seed, String out,
        int probeEvery, boolean initialProbe, int checkpointEvery, int keepCheckpoints, String device,
        int lbfgsHistory, int lbfgsIterations, boolean analyticGradient, int threads) {

    /** The optimisers. */
    public enum OptimizerKind { SGD, ADAM, LBFGS }

    /** Learning-rate schedules, by epoch. */
    public enum Schedule {
        /** ×0.1 at 1/3 and 2/3 of the epochs (the losses paper). */
        MULTISTEP,
        /** ×0.1 every {@code stepEvery} epochs. */
        STEP,
        /** Cosine annealing from lr to 0 over the run. */
        COSINE,
        /** Constant. */
        CONSTANT;

        /** The learning rate for epoch e (0-based) of E. */
        public double lr(double base, int e, int epochs, int stepEvery) {
            switch (this) {
                case MULTISTEP:
                    return base * Math.pow(0.1, (e >= (epochs + 2) / 3 ? 1 : 0) + (e >= (2 * epochs + 2) / 3 ? 1 : 0));
                case STEP:
                    return base * Math.pow(0.1, e / Math.max(1, stepEvery));
                case COSINE:
                    return base * 0.5 * (1 + Math.cos(Math.PI * e / epochs));
                default:
                    return base;
            }
        }
    }

    public TrainConfig {
        // null only where config.json lacks them (or has null): Jackson leaves a missing setting null
        required("dataset", dataset);
        required("model", model);
        required("model.architecture", model.architecture());
        required("optimizer", optimizer);
        required("schedule", schedule);
        required("imbalance_profile", imbalanceProfile);
        required("device", device);
        LossSpec.parse(loss);
        positive("--epochs", epochs);
        if (epochs > MAX_EPOCHS) {
            // every epoch adds its probe rows and timing to the run's files: 10^8 epochs would fill a disk first
            throw new UserError(String.format(java.util.Locale.ROOT, "--epochs must be at most %,d (the papers train"
                    + " for at most 800), got %,d", MAX_EPOCHS, epochs));
        }
        positive("--batch-size", batchSize);
        positive("--step-every", stepEvery);
        positive("--probe-every", probeEvery);
        positive("--checkpoint-every", checkpointEvery);
        positive("--keep-checkpoints", keepCheckpoints);
        positive("--lbfgs-history", lbfgsHistory);
        positive("--lbfgs-iterations", lbfgsIterations);
        if (!(lr > 0) || Double.isInfinite(lr)) {
            throw new UserError("--lr must be a finite number > 0, got " + lr);
        }
        if (!(momentum >= 0 && momentum < 1)) {
            throw new UserError("--momentum must be in [0, 1), got " + momentum);
        }
        nonNegative("--weight-decay", weightDecay);
        nonNegative("--lambda-w", lambdaW);
        nonNegative("--lambda-h", lambdaH);
        nonNegative("--lambda-b", lambdaB);
        nonNegative("--clip", clip);
        if (threads < 0) {
            throw new UserError("--threads must be >= 0, got " + threads);
        }
        if (perClass < 0) {
            throw new UserError("--per-class must be a positive count, or 0 for every sample, got " + perClass);
        }
        if (!(valFraction >= 0 && valFraction < 1)) {
            throw new UserError("--val-fraction must be in [0, 1), got " + valFraction);
        }
        if (!device.equals("cpu") && !device.equals("gpu")) {
            throw new UserError("--device must be cpu or gpu, got " + device);
        }
        if (batchSize == 1 && hasBatchNorm(model)) {
            // PyTorch's batch norm cannot train on one value per channel (the MLP's, the ResNets' head, and
            // their last stages on small images); its statistics of one sample would be meaningless anyway
            throw new UserError(model.architecture() == Architecture.MLP
                    ? "--batch-size 1 with batch norm: batch normalisation needs at least 2 samples per training"
                            + " batch; use --batch-size >= 2 or --no-batch-norm"
                    : "--batch-size 1 with batch norm: the ResNets' batch normalisation needs at least 2 samples"
                            + " per training batch; use --batch-size >= 2");
        }
    }

    /** Whether the network has batch normalisation: the MLP unless --no-batch-norm, the ResNets always. */
    static boolean hasBatchNorm(ModelSpec model) {
        return model.architecture() != Architecture.MLP || model.batchNorm();
    }

    /** A setting that config.json must give (the CLI always does). */
    private static void required(String setting, Object value) {
        if (value == null) {
            throw new UserError("bad training settings: " + setting + " is missing");
        }
    }

    private static void nonNegative(String flag, double v) {
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new UserError(flag + " must be finite and >= 0, got " + v);
        }
    }

    /** The most epochs a run takes: 125 times the longest schedule of the papers. */
    public static final int MAX_EPOCHS = 100_000;

    private static void positive(String flag, int v) {
        if (v <= 0) {
            throw new UserError(flag + " must be positive, got " + v);
        }
    }

    /** The MLP's default optimizer (see {@link #defaults(Architecture)}). */
    public static final OptimizerKind MLP_OPTIMIZER = OptimizerKind.ADAM;
    /** The MLP's default initial learning rate, with its default optimizer, Adam. */
    public static final double MLP_LR = 5e-4;
    /** The MLP's default initial learning rate with SGD or L-BFGS. */
    public static final double MLP_SGD_LR = 0.01;
    /** The MLP's default mini-batch size. */
    public static final int MLP_BATCH = 64;
    /** The ResNets' default initial learning rate, the losses paper's (SGD or L-BFGS). */
    public static final double RESNET_LR = 0.1;
    /** The ResNets' default initial learning rate with Adam, the MSE paper's. */
    public static final double RESNET_ADAM_LR = 1e-3;
    /** The MLP's default schedule's CLI name (see {@link #defaults(Architecture)}). */
    public static final String MLP_SCHEDULE = "cosine";

    /** The defaults: MLP on Fashion-MNIST with CE ({@code defaults(Architecture.MLP)}). */
    public static TrainConfig defaults() {
        return defaults(Architecture.MLP);
    }

    /** The default initial learning rate of {@code optimizer} on {@code architecture}. */
    public static double defaultLr(Architecture architecture, OptimizerKind optimizer) {
        boolean mlp = architecture == Architecture.MLP;
        if (optimizer == OptimizerKind.ADAM) {
            return mlp ? MLP_LR : RESNET_ADAM_LR;
        }
        return mlp ? MLP_SGD_LR : RESNET_LR;
    }

    /**
     * The defaults for training {@code architecture} on Fashion-MNIST with CE, the one place where they are set.
     * Every architecture: weight decay 5e-4 as coupled L2 on all parameters, gradient norm clipped at 2, 30
     * epochs, 10% validation hold-out (the losses paper's Appendix A). The ResNets: SGD with momentum 0.9, batch
     * 128, lr {@value #RESNET_LR} ×0.1 at 1/3 and 2/3 of the epochs ({@link Schedule#MULTISTEP}), as the losses
     * paper trains them. The MLP: Adam, lr {@value #MLP_LR}, batch {@value #MLP_BATCH}, {@link Schedule#COSINE}
     * annealing to 0 over the run. On Fashion-MNIST in 30 epochs (BENCHMARKS.md, "Acceptance runs from the
     * untrained network" and "Acceptance runs with the MLP's Adam defaults"), SGD (lr 0.01, batch 128, cosine)
     * fits the training set with every loss of the family but leaves focal loss (γ = 3) collapsing 6.4× (7.3× at
     * most over every rate, momentum, batch size and clipping tried); with this Adam every loss fits the training
     * set and NC1 falls 10–900× from the untrained network at the default seed, at the same test accuracy
     * (focal loss 9.0–11.1× over seeds 0–4). With lr 0.1 and SGD the MLP stalls
     * short of 100% training accuracy.
     */
    public static TrainConfig defaults(Architecture architecture) {
        boolean mlp = architecture == Architecture.MLP;
        OptimizerKind optimizer = mlp ? MLP_OPTIMIZER : OptimizerKind.SGD;
        return new TrainConfig(DatasetKind.FASHION_MNIST, null,
                new ModelSpec(architecture, 1, 3, 0, false, true, true), "ce",
                optimizer, defaultLr(architecture, optimizer), 0.9, false, 30, mlp ? MLP_BATCH : 128,
                5e-4, false, 5e-4, 5e-4, 5e-4,
                mlp ? Schedule.valueOf(MLP_SCHEDULE.toUpperCase(Locale.ROOT)) : Schedule.MULTISTEP, 10, 2.0,
                0, 0.1, 1, ImbalanceProfile.STEP, 0, false, 0, null,
                1, true, 1, 2, "cpu", 10, 20, false, 0);
    }

    private static final ObjectMapper MAPPER = Json.MAPPER.copy()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    /**
     * The thread count a run with {@code threads} 0 (every core) found, which config.json records beside the settings:
     * the numbers depend on it.
     */
    public static final String THREADS_USED = "threads_used";

    /** Every setting by its snake_case name, nested for the model, as config.json records it. */
    @SuppressWarnings("unchecked")
    public Map<String, Object> settings() {
        return MAPPER.convertValue(this, LinkedHashMap.class);
    }

    /** Reads settings back (config.json, a sweep's row); a bad key or value is a user error. */
    public static TrainConfig fromSettings(Map<String, ?> settings) {
        Map<String, Object> s = new LinkedHashMap<>(settings);
        s.remove(THREADS_USED); // what the run found, not a setting
        try {
            return MAPPER.convertValue(s, TrainConfig.class);
        } catch (IllegalArgumentException e) {
            Throwable t = e;
            while (t.getCause() != null) {
                if (t instanceof UserError) {
                    throw (UserError) t;
                }
                t = t.getCause();
            }
            if (t instanceof UserError) {
                throw (UserError) t;
            }
            throw new UserError("bad training settings: " + badSetting(e, settings));
        }
    }

    /**
     * The setting Jackson refused, in words: its name, what it must be (from the record component it fills) and
     * what it is, e.g. {@code model must be an object of architecture, width, ...; got "big"}. Jackson's own
     * message names Java classes and creators.
     */
    private static String badSetting(IllegalArgumentException e, Map<String, ?> settings) {
        JsonMappingException refused = null;
        for (Throwable t = e; t != null && refused == null; t = t.getCause()) {
            refused = t instanceof JsonMappingException j && !j.getPath().isEmpty() ? j : null;
        }
        if (refused == null) {
            return firstLine(e.getMessage());
        }
        List<String> path = new ArrayList<>();
        Class<?> type = TrainConfig.class;
        Object value = settings;
        for (JsonMappingException.Reference r : refused.getPath()) {
            String key = r.getFieldName();
            path.add(key);
            value = value instanceof Map<?, ?> m ? m.get(key) : null;
            type = component(type, key);
        }
        String name = String.join(".", path);
        if (refused instanceof UnrecognizedPropertyException || type == null) {
            return "unknown setting " + name;
        }
        String got = Json.line(value);
        return name + " must be " + expected(type) + "; got " + (got.length() > 60 ? got.substring(0, 57) + "..."
                : got);
    }

    private static final PropertyNamingStrategies.NamingBase SNAKE_CASE =
            (PropertyNamingStrategies.NamingBase) PropertyNamingStrategies.SNAKE_CASE;

    /** The type of the record component that setting {@code key} fills, or null (none such). */
    private static Class<?> component(Class<?> record, String key) {
        if (record != null && record.isRecord()) {
            for (RecordComponent c : record.getRecordComponents()) {
                if (SNAKE_CASE.translate(c.getName()).equals(key)) {
                    return c.getType();
                }
            }
        }
        return null;
    }

    /** What a setting of this type must be, as config.json spells it. */
    private static String expected(Class<?> type) {
        if (type == int.class) {
            return "a whole number up to " + Integer.MAX_VALUE;
        }
        if (type == long.class) {
            return "a whole number up to " + Long.MAX_VALUE;
        }
        if (type == double.class) {
            return "a number";
        }
        if (type == boolean.class) {
            return "true or false";
        }
        if (type.isEnum()) {
            List<String> names = new ArrayList<>();
            for (Object c : type.getEnumConstants()) {
                names.add('"' + ((Enum<?>) c).name() + '"');
            }
            return "one of " + String.join(", ", names);
        }
        if (type.isRecord()) {
            List<String> keys = new ArrayList<>();
            for (RecordComponent c : type.getRecordComponents()) {
                keys.add(SNAKE_CASE.translate(c.getName()));
            }
            return "an object of " + String.join(", ", keys);
        }
        return "a string";
    }

    /** This configuration with some settings replaced, e.g. {@code with(Map.of("epochs", 5))}. */
    public TrainConfig with(Map<String, ?> changes) {
        Map<String, Object> s = settings();
        for (Map.Entry<String, ?> c : changes.entrySet()) {
            String key = c.getKey().toLowerCase(Locale.ROOT);
            if (key.startsWith("model.")) {
                @SuppressWarnings("unchecked")
                Map<String, Object> m = new LinkedHashMap<>((Map<String, Object>) s.get("model"));
                m.put(key.substring(6), c.getValue());
                s.put("model", m);
            } else {
                s.put(key, c.getValue());
            }
        }
        return fromSettings(s);
    }

    /**
     * The arguments of {@code nclab train} that make this configuration: every setting that differs from its
     * model's defaults (as the CLI resolves them: another optimizer brings its own default rate, the dataset its
     * own augmentation), {@code --out} included. A report shows them as the run's command line.
     */
    public List<String> arguments() {
        Architecture arch = model.architecture();
        TrainConfig base = defaults(arch);
        List<String> args = new ArrayList<>();
        if (dataset != base.dataset) {
            add(args, "dataset", dataset.cliName());
        }
        add(args, "data_dir", dataDir);
        if (arch != Architecture.MLP) {
            add(args, "model", arch.cliName());
        }
        Map<String, Object> mine = settings();
        Map<String, Object> theirs = base.settings();
        @SuppressWarnings("unchecked")
        Map<String, Object> myModel = (Map<String, Object>) mine.get("model");
        @SuppressWarnings("unchecked")
        Map<String, Object> theirModel = (Map<String, Object>) theirs.get("model");
        for (String k : myModel.keySet()) {
            if (!k.equals("architecture")) {
                differing(args, k, myModel.get(k), theirModel.get(k));
            }
        }
        for (String k : mine.keySet()) {
            switch (k) {
                case "dataset": case "data_dir": case "model": case "lr": case "augment": case "out":
                    continue;
                default:
                    differing(args, k, mine.get(k), theirs.get(k));
                    if (k.equals("optimizer")) {
                        // a given optimizer without --lr gets its own default rate (TrainCommand)
                        double lrDefault = optimizer != base.optimizer ? defaultLr(arch, optimizer) : base.lr;
                        if (lr != lrDefault) {
                            add(args, "lr", lr);
                        }
                    }
            }
        }
        if (augment != dataset.augmentByDefault()) {
            args.add(augment ? "--augment" : "--no-augment");
        }
        add(args, "out", out);
        return args;
    }

    private static void differing(List<String> args, String key, Object value, Object byDefault) {
        if (Objects.equals(value, byDefault)) {
            return;
        }
        if (value instanceof Boolean b) {
            // the flags: --fixed-etf, --nesterov ... (off by default); --no-bias, --no-initial-probe ... (on)
            args.add((b ? "--" : "--no-") + key.replace('_', '-'));
        } else {
            add(args, key, value);
        }
    }

    private static void add(List<String> args, String key, Object value) {
        if (value == null) {
            return;
        }
        args.add("--" + key.replace('_', '-'));
        args.add(cliSpelling(key, value));
    }

    /**
     * A setting's value as the CLI spells it: the value config.json records for {@code key} (its snake_case
     * name; the model's are also read as {@code model_architecture}, as a report flattens them) given as an
     * option would take it: {@code fashion-mnist} for FASHION_MNIST, {@code adam}, {@code cosine},
     * {@code wrn50}, numbers as typed ({@link io.nclab.io.Csv#plain}: 0.0005, 64), null as null.
     */
    public static String cliSpelling(String key, Object value) {
        if (value == null) {
            return null;
        }
        if (value instanceof Double d) {
            return Double.isFinite(d) ? io.nclab.io.Csv.plain(d) : d.toString();
        }
        if (value instanceof String str) {
            try {
                switch (key) {
                    case "dataset":
                        return DatasetKind.valueOf(str).cliName();
                    case "architecture": case "model_architecture":
                        return Architecture.valueOf(str).cliName();
                    case "optimizer": case "schedule": case "imbalance_profile":
                        return str.toLowerCase(Locale.ROOT);
                    default:
                        return str;
                }
            } catch (IllegalArgumentException notAConstant) {
                return str; // already spelled as the CLI does (a sweep's row), or unknown: as it is
            }
        }
        return value.toString();
    }

    private static String firstLine(String s) {
        int nl = s == null ? -1 : s.indexOf('\n');
        return nl < 0 ? String.valueOf(s) : s.substring(0, nl);
    }
}
