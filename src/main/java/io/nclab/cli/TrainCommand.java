package io.nclab.cli;

import io.nclab.UserError;
import io.nclab.data.DatasetKind;
import io.nclab.data.Splits;
import io.nclab.io.Json;
import io.nclab.loss.LossSpec;
import io.nclab.model.Architecture;
import io.nclab.train.TrainConfig;
import io.nclab.train.TrainResult;
import io.nclab.train.Trainer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code nclab train}: parses the options into a {@link TrainConfig}, runs the {@link Trainer}, prints. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train a network with a loss of the family and measure Neural Collapse as training goes."
                + " Writes to the run directory config.json (every setting), data.json (class order, input"
                + " normalisation, images per class), metrics.csv/.jsonl (one row per probe), timing.csv/.jsonl,"
                + " margins.csv (the last probe's cosine margins), checkpoints/, best-model.params,"
                + " train-labels.json (with --random-labels) and diverged.txt (if the loss stops being finite).")
public final class TrainCommand implements Callable<Integer> {

    @Option(names = "--dataset", paramLabel = "NAME",
            description = "Dataset: fashion-mnist | mnist-idx | cifar10 | cifar100 | image-folder. Default: fashion-mnist.")
    String dataset;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "The dataset's directory. Default for fashion-mnist:"
            + " /usr/share/datasets/fashion-mnist, from Debian's dataset-fashion-mnist.")
    Path dataDir;

    @Option(names = "--model", paramLabel = "mlp|resnet18|wrn50", description = "Network architecture. Default: mlp.")
    String model;

    @Option(names = "--width", paramLabel = "X", description = "Width multiplier X (MLP 1024·X units, ResNet18 64·X"
            + " channels, WideResNet-50 64·X inner channels). Default: 1.")
    Double width;

    @Option(names = "--depth", paramLabel = "N", description = "MLP hidden layers. Default: 3.")
    Integer depth;

    @Option(names = "--feature-dim", paramLabel = "d", description = "Penultimate dimension d. Default: the model's own.")
    Integer featureDim;

    @Option(names = "--fixed-etf", description = "Fix the classifier as a simplex ETF (needs d >= K-1; for d >= K, class k's"
            + " row is sqrt(K/(K-1))(e_k - 1/K) over the first K feature units).")
    Boolean fixedEtf;

    @Option(names = "--no-bias", description = "No classifier bias.")
    Boolean noBias;

    @Option(names = "--no-batch-norm", description = "MLP without batch normalisation.")
    Boolean noBatchNorm;

    @Option(names = "--loss", paramLabel = "SPEC", description = "Loss: " + LossSpec.ACCEPTED + ". Default: ce.")
    String loss;

    @Option(names = "--optimizer", paramLabel = "sgd|adam|lbfgs",
            description = "Optimizer. Default: sgd for the ResNets, adam for mlp.")
    String optimizer;

    @Option(names = "--lr", paramLabel = "X", description = "Initial learning rate. With lbfgs it caps the length of the"
            + " first trial step along -grad on each batch (the line search takes over from there), scaled by the"
            + " schedule. Default: mlp 5e-4 with adam, 0.01 with sgd or lbfgs; the ResNets 0.1 with sgd or lbfgs,"
            + " 1e-3 with adam.")
    Double lr;

    @Option(names = "--momentum", paramLabel = "X", description = "SGD momentum (with --optimizer sgd). Default: 0.9.")
    Double momentum;

    @Option(names = "--nesterov", description = "Nesterov momentum (with --optimizer sgd).")
    Boolean nesterov;

    @Option(names = "--epochs", paramLabel = "N", description = "Number of epochs, at most 100,000. Default: 30.")
    Integer epochs;

    @Option(names = "--batch-size", paramLabel = "N", description = "Mini-batch size. Default: " + TrainConfig.MLP_BATCH
            + " for mlp, 128 for the ResNets.")
    Integer batchSize;

    @Option(names = "--weight-decay", paramLabel = "X", description = "Coupled L2 on all parameters. Default: 5e-4.")
    Double weightDecay;

    @Option(names = "--feature-decay", description = "UFM-style decay: --lambda-w on W, --lambda-h on the features,"
            + " --lambda-b on b (--weight-decay stays on the feature extractor).")
    Boolean featureDecay;

    @Option(names = "--lambda-w", paramLabel = "X", description = "Decay λ_W on W, with --feature-decay (not with"
            + " --fixed-etf, which freezes W). Default: 5e-4.")
    Double lambdaW;

    @Option(names = "--lambda-h", paramLabel = "X", description = "Decay λ_H on the features, with --feature-decay: adds"
            + " λ_H/2 times the mean over the batch of ‖h_i‖², i.e. the UFM's λ_H/2 ‖H‖² with λ_H(UFM) = λ_H / N"
            + " (N training samples). Default: 5e-4.")
    Double lambdaH;

    @Option(names = "--lambda-b", paramLabel = "X", description = "Decay λ_b on b, with --feature-decay. Default: 5e-4.")
    Double lambdaB;

    @Option(names = "--schedule", paramLabel = "NAME", description = "Learning-rate schedule: multistep (x0.1 at 1/3 and"
            + " 2/3 of the epochs) | step | cosine | constant. Default: multistep for the ResNets, "
            + TrainConfig.MLP_SCHEDULE + " for mlp.")
    String schedule;

    @Option(names = "--step-every", paramLabel = "N", description = "With --schedule step: x0.1 every N epochs. Default: 10.")
    Integer stepEvery;

    @Option(names = "--clip", paramLabel = "X", description = "Gradient-norm clipping threshold, 0 for none (sgd and adam"
            + " only: L-BFGS's line search sets its own step). Default: 2.")
    Double clip;

    @Option(names = "--per-class", paramLabel = "n", description = "Training samples per class n, 0 for all."
            + " Default: all.")
    Integer perClass;

    @Option(names = "--val-fraction", paramLabel = "X", description = "Validation hold-out fraction. Default: 0.1.")
    Double valFraction;

    @Option(names = "--imbalance", paramLabel = "X", description = "Largest/smallest class ratio of the training split,"
            + " after the --val-fraction hold-out. Default: 1 (balanced).")
    Double imbalance;

    @Option(names = "--imbalance-profile", paramLabel = "step|exp", description = "Shape of the imbalance: step (classes"
            + " floor(K/2) and up keep ceil(n_max/ratio) images) | exp (class k keeps ceil(n_max ratio^(-k/(K-1)))), n_max the"
            + " largest class. Default: step.")
    String imbalanceProfile;

    @Option(names = "--random-labels", paramLabel = "X", description = "Each training label is replaced, with"
            + " probability X, by a class drawn uniformly (possibly its own: X = 0.5 changes about 0.45 of them at"
            + " K = 10), seeded and saved. Default: 0.")
    Double randomLabels;

    @Option(names = "--augment", description = "Random crop (padding 4) and flip. Default: on for cifar10, cifar100 and"
            + " image-folder.")
    Boolean augment;

    @Option(names = "--no-augment", description = "No augmentation.")
    Boolean noAugment;

    @Option(names = "--seed", paramLabel = "S", description = "Random seed. Default: 0.")
    Long seed;

    @Option(names = "--out", paramLabel = "DIR", description = "Run directory. Default:"
            + " runs/train-DATASET-MODEL-LOSS-sSEED-TIME.")
    Path out;

    @Option(names = "--probe-every", paramLabel = "N",
            description = "Probe every N epochs, and at the last. Default: 1.")
    Integer probeEvery;

    @Option(names = "--no-initial-probe", description = "Skip the probe of the untrained network (epoch 0).")
    Boolean noInitialProbe;

    @Option(names = "--checkpoint-every", paramLabel = "N", description = "Checkpoint every N epochs. Default: 1.")
    Integer checkpointEvery;

    @Option(names = "--keep-checkpoints", paramLabel = "N", description = "How many checkpoints to retain. Default: 2.")
    Integer keepCheckpoints;

    @Option(names = "--device", paramLabel = "cpu|gpu", description = "Where the network trains. Default: cpu.")
    String device;

    @Option(names = "--lbfgs-history", paramLabel = "N", description = "L-BFGS curvature pairs. Default: 10.")
    Integer lbfgsHistory;

    @Option(names = "--lbfgs-iterations", paramLabel = "N", description = "L-BFGS iterations per mini-batch. Default: 20.")
    Integer lbfgsIterations;

    @Option(names = "--analytic-gradient", description = "Backpropagate the loss's analytic logit gradient"
            + " rather than autograd through the loss.")
    Boolean analyticGradient;

    @Option(names = "--threads", paramLabel = "N", description = "Native threads, 0 for every core. Default: 0.")
    Integer threads;

    @Option(names = "--resume", paramLabel = "DIR", description = "Continue the killed run in DIR with its own settings.")
    Path resume;

    @Option(names = "--json", description = "Print one JSON object as the last line of standard output.")
    boolean json;

    @Spec
    CommandSpec spec;

    /** Flags whose setting lives in the model's part of the configuration. */
    private static final Set<String> MODEL_KEYS = Set.of("width", "depth", "feature_dim", "fixed_etf");

    /**
     * Everything about a run's options that can be checked without its data: {@link #config()}, and a fixed
     * ETF that cannot fit the feature dimension of a dataset whose class count is known. A sweep checks every
     * run this way before it starts any.
     */
    TrainConfig check() {
        if (threads != null) {
            io.nclab.nd.Nd.requireThreads("--threads", threads);
        }
        TrainConfig c = config();
        int k = c.dataset().knownClasses();
        if (k > 0) {
            io.nclab.model.Network.checkFixedEtf(c.model(), k);
        }
        return c;
    }

    /**
     * The configuration the options describe: the defaults with every given option applied. A flag
     * {@code --some-name} sets the setting {@code some_name} (one name for one idea); {@code --no-x} sets x
     * to false; names of things (dataset, model, optimizer, schedule) are checked here.
     */
    TrainConfig config() {
        Map<String, Object> c = new LinkedHashMap<>();
        for (OptionSpec o : spec.commandLine().getParseResult().matchedOptions()) {
            String key = o.longestName().substring(2).replace('-', '_');
            Object v = o.getValue();
            switch (key) {
                case "help": case "version": case "json": case "resume":
                    continue;
                case "dataset":
                    DatasetKind kind = DatasetKind.parse((String) v);
                    c.put("dataset", kind.name());
                    c.putIfAbsent("augment", kind.augmentByDefault());
                    continue;
                case "model":
                    Architecture arch = Architecture.parse((String) v);
                    c.put("model.architecture", arch.name());
                    continue;
                case "optimizer":
                    c.put(key, upper((String) v, key, "sgd|adam|lbfgs", TrainConfig.OptimizerKind.class));
                    continue;
                case "schedule":
                    c.put(key, upper((String) v, key, "multistep|step|cosine|constant", TrainConfig.Schedule.class));
                    continue;
                case "imbalance_profile":
                    c.put(key, Splits.ImbalanceProfile.parse((String) v).name());
                    continue;
                case "device":
                    c.put(key, ((String) v).toLowerCase(Locale.ROOT));
                    continue;
                default:
                    break;
            }
            if (v instanceof Path) {
                v = v.toString();
            }
            if (key.startsWith("no_")) {
                key = key.substring(3);
                v = !(Boolean) v;
            }
            c.put(MODEL_KEYS.contains(key) || key.equals("bias") || key.equals("batch_norm") ? "model." + key : key, v);
        }
        if (featureDim != null && featureDim == 0) {
            throw new UserError("--feature-dim must be positive, got 0 (leave it out for the model's own dimension)");
        }
        Architecture arch = model == null ? Architecture.MLP : Architecture.parse(model);
        if (c.containsKey("optimizer") && !c.containsKey("lr")) {
            // an optimizer other than the model's default comes with its own default rate
            c.put("lr", TrainConfig.defaultLr(arch, TrainConfig.OptimizerKind.valueOf((String) c.get("optimizer"))));
        }
        TrainConfig config = TrainConfig.defaults(arch).with(c);
        if (((c.containsKey("momentum") && config.momentum() != 0) || Boolean.TRUE.equals(c.get("nesterov")))
                && config.optimizer() != TrainConfig.OptimizerKind.SGD) {
            throw new IgnoredOption("--momentum and --nesterov are SGD's; the optimizer is "
                    + config.optimizer().name().toLowerCase(Locale.ROOT)
                    + (c.containsKey("optimizer") ? "" : " (the " + arch.name().toLowerCase(Locale.ROOT)
                            + "'s default)") + ": add --optimizer sgd");
        }
        if ((c.containsKey("lambda_w") || c.containsKey("lambda_h") || c.containsKey("lambda_b"))
                && !Boolean.TRUE.equals(c.get("feature_decay"))) {
            throw new IgnoredOption("--lambda-w, --lambda-h and --lambda-b set the UFM-style decay: add --feature-decay"
                    + " (without it --weight-decay applies to every parameter)");
        }
        for (String k : new String[] {"lbfgs_history", "lbfgs_iterations"}) {
            if (c.containsKey(k) && config.optimizer() != TrainConfig.OptimizerKind.LBFGS) {
                throw new IgnoredOption("--" + k.replace('_', '-') + " is L-BFGS's; the optimizer is "
                        + config.optimizer().name().toLowerCase(Locale.ROOT) + ": add --optimizer lbfgs");
            }
        }
        if (Boolean.TRUE.equals(c.get("nesterov")) && config.momentum() == 0) {
            throw new UserError("--nesterov needs momentum: --momentum 0 leaves nothing to look ahead with");
        }
        if (c.containsKey("step_every") && config.schedule() != TrainConfig.Schedule.STEP) {
            throw new IgnoredOption("--step-every sets --schedule step's interval; the schedule is "
                    + config.schedule().name().toLowerCase(Locale.ROOT) + ": add --schedule step");
        }
        if (c.containsKey("imbalance_profile") && config.imbalance() == 1) {
            throw new IgnoredOption("--imbalance-profile shapes an imbalanced training set: add --imbalance RATIO (> 1)");
        }
        if (c.containsKey("lambda_b") && !config.model().bias()) {
            throw new IgnoredOption("--lambda-b decays the classifier's bias, and --no-bias removes it: give one");
        }
        // (zero asks for nothing the run would ignore: a grid may cross --fixed-etf or L-BFGS with it)
        if (c.containsKey("lambda_w") && config.lambdaW() != 0 && config.model().fixedEtf()) {
            throw new IgnoredOption("--lambda-w decays the classifier, and --fixed-etf freezes it: give one");
        }
        if (c.containsKey("clip") && config.clip() != 0 && config.optimizer() == TrainConfig.OptimizerKind.LBFGS) {
            throw new IgnoredOption("--clip is the first-order optimizers'; L-BFGS's strong-Wolfe line search chooses its own"
                    + " step (a clipped gradient would not be the gradient of what it minimises): leave --clip out");
        }
        if (arch != Architecture.MLP && (c.containsKey("model.depth") || c.containsKey("model.batch_norm"))) {
            throw new IgnoredOption((c.containsKey("model.depth") ? "--depth" : "--no-batch-norm") + " is the MLP's; "
                    + arch.name().toLowerCase(Locale.ROOT) + " has a fixed depth and batch normalisation throughout");
        }
        if (augment != null && noAugment != null) {
            throw new UserError("--augment and --no-augment contradict each other: give one");
        }
        return config;
    }

    /**
     * An option the chosen setting would ignore (a run refuses it rather than drop it in silence); a sweep, which
     * passes every option to every run, says what to do instead.
     */
    static final class IgnoredOption extends UserError {
        IgnoredOption(String message) {
            super(message);
        }
    }

    private static <E extends Enum<E>> String upper(String value, String flag, String accepted, Class<E> type) {
        try {
            return Enum.valueOf(type, value.toUpperCase(Locale.ROOT)).name();
        } catch (IllegalArgumentException e) {
            throw new UserError("unknown " + flag + " '" + value + "'; accepted: " + accepted);
        }
    }

    /**
     * The options that say how this invocation runs, not what the run is: the only ones {@code --resume} takes
     * besides itself (a run continues with the configuration config.json saved; --threads and --device move it:
     * the same arithmetic, though another thread count or device may change its last digits).
     */
    static final Set<String> RESUME_OPTIONS = Set.of("--resume", "--json", "--threads", "--device", "--help",
            "--version");

    /** With --resume: the per-invocation settings given, after refusing every option that would change the run. */
    Map<String, Object> resumeOverrides() {
        java.util.List<String> refused = new java.util.ArrayList<>();
        for (OptionSpec o : spec.commandLine().getParseResult().matchedOptions()) {
            if (!RESUME_OPTIONS.contains(o.longestName()) && !refused.contains(o.longestName())) {
                refused.add(o.longestName());
            }
        }
        if (!refused.isEmpty()) {
            throw new UserError("--resume continues " + resume + " with its saved configuration (config.json): "
                    + String.join(", ", refused) + " cannot change it; leave " + (refused.size() == 1 ? "it" : "them")
                    + " out, or start a new run with --out (with --resume only --threads, --device and --json apply)");
        }
        Map<String, Object> overrides = new LinkedHashMap<>();
        if (threads != null) {
            io.nclab.nd.Nd.requireThreads("--threads", threads);
            overrides.put("threads", threads);
        }
        if (device != null) {
            overrides.put("device", device.toLowerCase(Locale.ROOT));
        }
        return overrides;
    }

    @Override
    public Integer call() {
        Trainer trainer = resume != null ? Trainer.resume(resume, System.err, resumeOverrides())
                : Trainer.of(check(), System.err);
        TrainResult r = trainer.run();
        if (json) {
            System.out.println(Json.result(r.summary()));
        } else {
            System.out.printf(Locale.ROOT, "run directory: %s%n", r.runDir());
            if (Double.isNaN(r.bestValAccuracy())) {
                System.out.printf(Locale.ROOT, "no validation set: the kept model is the last probe's (epoch %d); its"
                        + " test accuracy %.4f%n", r.bestEpoch(), r.testAccuracy());
            } else {
                System.out.printf(Locale.ROOT, "best validation accuracy %.4f (epoch %d); its test accuracy %.4f%n",
                        r.bestValAccuracy(), r.bestEpoch(), r.testAccuracy());
            }
            System.out.printf(Locale.ROOT, "final training accuracy %.4f; NC1 %.4g NC2 %.4g NC3 %.4g NC4 %.4g; %.1f s%n",
                    r.finalTrainAccuracy(), r.summary().get("final_nc1"), r.summary().get("final_nc2"),
                    r.summary().get("final_nc3"), r.summary().get("final_nc4"), r.seconds());
        }
        return 0;
    }
}
