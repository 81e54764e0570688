package io.nclab.train;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import io.nclab.SystemMemory;
import io.nclab.UserError;
import io.nclab.data.BatchAssembler;
import io.nclab.data.DataSource;
import io.nclab.data.ImageData;
import io.nclab.data.Rng;
import io.nclab.data.TrainingData;
import io.nclab.experiment.Provenance;
import io.nclab.experiment.RunFiles;
import io.nclab.io.AtomicFiles;
import io.nclab.io.Csv;
import io.nclab.io.IoErrors;
import io.nclab.io.Json;
import io.nclab.loss.Loss;
import io.nclab.loss.LossSpec;
import io.nclab.model.ModelSpec;
import io.nclab.model.Network;
import io.nclab.nd.Nd;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Trains a network with a loss of the family and probes its collapse as training goes.
 *
 * <p>Each epoch: a seeded shuffle of the training set, mini-batches (augmented when configured) through
 * the optimiser, the objective mean_i L(W h_i + b, y_i) [+ λ_H/2 · mean_i ‖h_i‖² with --feature-decay] with
 * the gradient norm clipped; then, every {@code probeEvery} epochs, a probe: accuracy and loss on the clean
 * training set, the validation set and the test set, and the NC engine's metrics on the clean training
 * features, one row of {@code metrics.csv}/{@code metrics.jsonl}. The untrained network is probed the same
 * way first (epoch 0; {@code --no-initial-probe} skips it), so every curve starts at initialisation. The
 * model with the best validation accuracy is kept ({@code best-model.params}) and its test accuracy
 * reported. Checkpoints every
 * {@code checkpointEvery} epochs let {@link #resume} continue a killed run to the same metrics.
 */
public final class Trainer {
    private final TrainConfig config;
    private final Path runDir;
    private final boolean resuming;
    private final PrintStream log;
    private final boolean terminal;
    private final CollapseProbe collapse;

    /** The NC engine as the probe calls it: features N×d, labels, K, W (K×d), b (K or null). */
    @FunctionalInterface
    public interface CollapseProbe {
        Map<String, Double> measure(NDArray features, int[] labels, int classes, NDArray weights, NDArray bias);

        /**
         * The last probe's measurement: the same metrics and every sample's cosine margin, sorted
         * ascending (none unless the probe keeps them).
         */
        default Final measureFinal(NDArray features, int[] labels, int classes, NDArray weights, NDArray bias) {
            return new Final(measure(features, labels, classes, weights, bias), new double[0]);
        }

        /** The metrics and the sorted cosine margins of the last probe. */
        record Final(Map<String, Double> values, double[] cosineMargins) {}
    }

    private Trainer(TrainConfig config, Path runDir, boolean resuming, PrintStream log, CollapseProbe collapse) {
        this.config = config;
        this.runDir = runDir;
        this.resuming = resuming;
        this.log = log;
        this.terminal = log != null && log == System.err && Progress.isTerminal();
        this.collapse = collapse;
    }

    /** A new run of {@code config}; progress goes to {@code log} (null: silent). */
    public static Trainer of(TrainConfig config, PrintStream log) {
        Path dir = config.out() != null ? Path.of(config.out()) : defaultRunDir(config);
        return new Trainer(config, dir, false, log, CollapseMeasures.ENGINE);
    }

    /** Continues the run in {@code runDir} from its newest checkpoint, with the settings it was started with. */
    public static Trainer resume(Path runDir, PrintStream log) {
        return resume(runDir, log, Map.of());
    }

    /**
     * Continues the run in {@code runDir} with the settings it was started with, but for {@code thisTime}: how
     * this continuation runs (threads, device), which the CLI alone lets through.
     */
    public static Trainer resume(Path runDir, PrintStream log, Map<String, ?> thisTime) {
        TrainConfig now = readConfig(runDir, "--resume").with(thisTime);
        return new Trainer(now, runDir, true, log, CollapseMeasures.ENGINE);
    }

    /**
     * The configuration a training run was started with, from its config.json; {@code option} names what
     * pointed at the directory in error messages.
     */
    static TrainConfig readConfig(Path runDir, String option) {
        Path cfg = runDir.resolve("config.json");
        if (!Files.isRegularFile(cfg)) {
            throw new UserError(option + " " + runDir + ": no config.json there (not a training run directory)");
        }
        try {
            Object read = Json.MAPPER.readValue(cfg.toFile(), Object.class);
            if (!(read instanceof Map<?, ?> all) || !"train".equals(all.get("command"))) {
                throw new UserError(option + " " + runDir + ": config.json is not a training run's");
            }
            if (!(all.get("settings") instanceof Map<?, ?> settings)) {
                throw new UserError(option + " " + runDir + ": config.json holds no settings");
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> s = (Map<String, Object>) settings;
            return TrainConfig.fromSettings(s);
        } catch (IOException e) {
            throw new UserError(option + " " + runDir + ": cannot read config.json: " + IoErrors.reason(e));
        }
    }

    /**
     * The settings that decide a run's numbers, as its checkpoints keep them: every setting but how and where this
     * attempt runs (threads, device, the run's folder) and where the data lies (a dataset moved elsewhere is the same
     * data: its new folder is written into config.json), normalised as JSON reads them back.
     */
    static Map<String, Object> trainedWith(TrainConfig config) {
        Map<String, Object> s = new java.util.LinkedHashMap<>();
        config.settings().forEach((k, v) -> {
            if (v instanceof Map<?, ?> nested) { // the model's settings, as model.width
                nested.forEach((n, x) -> s.put(k + "." + n, x));
            } else if (!List.of("threads", "device", "out", "data_dir").contains(k)) {
                s.put(k, v);
            }
        });
        try {
            @SuppressWarnings("unchecked")
            Map<String, Object> read = Json.MAPPER.readValue(Json.MAPPER.writeValueAsString(s), Map.class);
            return read;
        } catch (IOException e) {
            throw new IllegalStateException("settings that JSON cannot hold: " + e.getMessage(), e);
        }
    }

    /**
     * Refuses to continue a run whose config.json no longer says what its checkpoints were trained with (edited by
     * hand: a seed, the epochs of its schedule, a rate): the continuation would be a run no single command makes.
     */
    private void requireSameSettings(Map<String, Object> now, Map<String, Object> checkpointed) {
        if (checkpointed == null) {
            return; // a checkpoint of an older nclab: nothing to compare with
        }
        // the settings both know: one a later nclab added (or an earlier one dropped) is not an edit
        for (String k : new java.util.TreeSet<>(now.keySet())) {
            if (checkpointed.containsKey(k) && !java.util.Objects.equals(now.get(k), checkpointed.get(k))) {
                throw new UserError("--resume " + runDir + ": config.json's " + k + " is " + Json.line(now.get(k))
                        + ", its checkpoints were trained with " + Json.line(checkpointed.get(k)) + "; a run cannot"
                        + " change its settings midway (the schedule and the data follow them): put config.json back,"
                        + " or train a new run with --out");
            }
        }
    }

    /** The same trainer with another NC measurement (tests, benchmarks). */
    public Trainer withCollapseProbe(CollapseProbe probe) {
        return new Trainer(config, runDir, resuming, log, probe);
    }

    public Path runDir() {
        return runDir;
    }

    public TrainConfig config() {
        return config;
    }

    /**
     * Rescales every parameter's gradient by min(1, clip / (‖∇‖ + 1e-6)), ‖∇‖ the global norm (PyTorch's
     * clip_grad_norm_); each gradient is read once, for its norm.
     */
    static void clipGradients(List<Trainable> params, double clip, NDManager manager) {
        try (NDManager scope = manager.newSubManager()) {
            NDList grads = new NDList();
            NDList norms = new NDList();
            for (Trainable p : params) {
                NDArray g = p.gradient();
                g.attach(scope);
                grads.add(g);
                norms.add(g.norm());
            }
            double norm = NDArrays.stack(norms).norm().getFloat();
            double coef = clip / (norm + 1e-6);
            if (coef < 1) {
                for (NDArray g : grads) {
                    g.muli(coef);
                }
            }
        }
    }

    static Path defaultRunDir(TrainConfig c) {
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        String loss = LossSpec.parse(c.loss()).spec().replaceAll("[^A-Za-z0-9.=-]+", "_");
        return Path.of("runs", String.format(Locale.ROOT, "train-%s-%s-%s-s%d-%s", c.dataset().cliName(),
                c.model().architecture().cliName(), loss, c.seed(), stamp));
    }

    private void say(String line) {
        if (log != null) {
            new Progress(log, terminal).line(line);
        }
    }

    private static java.util.Set<String> with(java.util.Set<String> names, String more) {
        java.util.Set<String> all = new java.util.HashSet<>(names);
        all.add(more);
        return all;
    }

    public TrainResult run() {
        Device device = device(config.device());
        if (Files.exists(runDir) && !Files.isDirectory(runDir)) {
            throw new UserError((resuming ? "--resume " : "--out ") + runDir + " exists and is not a directory");
        }
        if (!resuming && Files.isDirectory(runDir.resolve("checkpoints"))) {
            // before the clean-up below can touch it: a finished or interrupted run is refused, never altered
            if (RunLock.heldElsewhere(runDir)) {
                throw new UserError("run directory " + runDir + " holds a run that is training now; give --out a new"
                        + " folder");
            }
            throw new UserError("run directory " + runDir + " already holds a run; use --resume " + runDir
                    + " to continue it or --out for a new one");
        }
        if (!resuming) {
            // a folder of the user's (or another command's) files is never trained into: its metrics.csv,
            // timing.csv or config.json would be replaced; a train run's own folder (stopped before its first
            // checkpoint) and a sweep's run folder (its logs) are fine
            io.nclab.experiment.Provenance.requireOutputFolder(runDir, "--out",
                    with(io.nclab.experiment.Sweep.runFiles(), RunLock.FILE),
                    d -> "train".equals(io.nclab.experiment.Provenance.commandOf(d)), d -> {
                        String owner = io.nclab.experiment.Provenance.commandOf(d);
                        return owner == null ? "is not empty and is not a training run's folder"
                                : "holds a " + owner + " run's files";
                    });
        }
        TrainingData data = prepareData(config);
        Loss loss = LossSpec.parse(config.loss());
        if (device.getDeviceType().equals(Device.Type.CPU)) {
            String tight = requireRoomForTheNetwork(config, data.train(), data.classes());
            if (tight != null) {
                say(tight);
            }
        }
        List<Integer> untested = data.untestedClasses();
        if (!untested.isEmpty()) {
            say("note: the test set has no image of class" + (untested.size() == 1 ? " " : "es ") + untested.stream()
                    .map(String::valueOf).collect(java.util.stream.Collectors.joining(", ")) + " (of " + data.classes()
                    + "): test accuracy covers the other classes only");
        }
        boolean ours = !resuming && !Files.exists(runDir);
        List<String> theirs = STARTED_FILES.stream().filter(f -> Files.exists(runDir.resolve(f))).toList();
        boolean[] training = {false};
        RunLock lock;
        try {
            lock = RunLock.take(runDir, resuming);
        } catch (RunLock.InUse e) {
            throw e; // another process's run (even one that made the directory a moment ago): nothing is touched
        } catch (UserError e) {
            if (ours) {
                Checkpoints.deleteQuietly(runDir);
            }
            throw e;
        }
        if (lock.lock() == null) {
            say("note: " + runDir + " is on a file system without file locks: nothing stops a second process from"
                    + " training in it at the same time");
        }
        // Ctrl-C or a kill: say how to go on, not just stop
        Thread interrupted = log == null ? null : new Thread(this::sayHowToResume, "nclab-interrupted");
        if (interrupted != null) {
            io.nclab.Interruption.explainedElsewhere();
            Runtime.getRuntime().addShutdownHook(interrupted);
        }
        try (lock) {
            prepareRunDir(data);
            return train(device, data, loss, training);
        } catch (RuntimeException | Error e) {
            if (!resuming && !training[0]) {
                // failed before its first epoch (the network cannot be built, the first probe fails): leave no
                // run behind: the directory if nclab made it here, else the files it wrote into it
                if (ours) {
                    Checkpoints.deleteQuietly(runDir);
                } else {
                    for (String f : STARTED_FILES) {
                        if (!theirs.contains(f)) { // files that were there before this run are left alone
                            Checkpoints.deleteQuietly(runDir.resolve(f));
                        }
                    }
                }
            }
            throw e;
        } finally {
            if (interrupted != null) {
                try {
                    Runtime.getRuntime().removeShutdownHook(interrupted);
                } catch (IllegalStateException shuttingDown) {
                    // the hook is running or about to: it says its line
                }
            }
        }
    }

    /**
     * Refuses a run whose network would not fit in the memory this machine has available, before anything is built or
     * written: its weights, gradients and optimiser state, and the outputs a training step keeps for a batch
     * ({@link Network#estimatedFootprint}). The kernel would otherwise kill the process with no message, leaving a run
     * directory that only fails again. The activations are the forward pass's alone (the backward pass's transient
     * gradients, the data and the runtime come on top), so a run this lets through may still be too large, but one
     * it refuses is. Returns a note where it lets a run through that is close: with the backward pass's share
     * ({@link #BACKWARD_SHARE}) and the runtime's ({@link #RUNTIME_BYTES}) it would not fit; else null.
     */
    public static String requireRoomForTheNetwork(TrainConfig config, ImageData train, int classes) {
        return requireRoomForTheNetwork(config, train, classes, 1);
    }

    /**
     * As {@link #requireRoomForTheNetwork(TrainConfig, ImageData, int)} for one of {@code atOnce} runs that train at
     * the same time (a sweep's workers): each has its share of the memory available, and a refusal says so.
     */
    public static String requireRoomForTheNetwork(TrainConfig config, ImageData train, int classes, int atOnce) {
        long all = SystemMemory.availableBytes();
        if (all <= 0) {
            return null;
        }
        long available = all / Math.max(1, atOnce);
        String share = atOnce > 1 ? String.format(Locale.ROOT, " for each of the %d runs at once (--workers)", atOnce)
                : "";
        ModelSpec spec = config.model();
        Network.Footprint f = Network.estimatedFootprint(spec, train.channels(), train.height(), train.width(), classes);
        int copies = 2 + switch (config.optimizer()) { // weights and gradients, then the optimiser's own state
            case SGD -> config.momentum() > 0 ? 1 : 0;
            case ADAM -> 2;
            case LBFGS -> 2 * config.lbfgsHistory() + 2;
        };
        double weights = f.parameters() * Float.BYTES * copies;
        if (!(weights <= available)) { // NaN too: an estimate that overflowed is no reason to go ahead
            throw new UserError(String.format(Locale.ROOT, "--width %s: the network would have about %,.0f trainable"
                    + " parameters, %.3g GB with their gradients and the optimiser's state, but this machine has %.3g GB"
                    + " of memory available%s; use a smaller --width%s", Csv.plain(spec.width()), f.parameters(),
                    weights / 1e9, available / 1e9, share, atOnce > 1 ? " or fewer --workers" : ""));
        }
        // a batch never holds more than the training set (--batch-size 1e8 on 100 images is full-batch training)
        double activations = f.activationBytesPerSample() * Math.min(config.batchSize(), train.size());
        if (!(weights + activations <= available)) {
            throw new UserError(String.format(Locale.ROOT, "--batch-size %d: a training step would keep about %.3g GB of"
                    + " layer outputs (%.3g MB a sample) beside %.3g GB of parameters, gradients and optimiser state, but this"
                    + " machine has %.3g GB of memory available%s; use a smaller --batch-size or --width%s",
                    config.batchSize(), activations / 1e9, f.activationBytesPerSample() / 1e6, weights / 1e9,
                    available / 1e9, share, atOnce > 1 ? ", or fewer --workers" : ""));
        }
        double likely = weights + activations * BACKWARD_SHARE + RUNTIME_BYTES;
        return likely <= available ? null : String.format(Locale.ROOT, "note: with its backward pass this run may need"
                + " about %.3g GB, and this machine has %.3g GB of memory available: the system may stop it; a smaller"
                + " --batch-size is safer", likely / 1e9, available / 1e9);
    }

    /**
     * Peak memory of a training step over the layer outputs its forward pass keeps: WideResNet-50 ×0.25 on 32×32
     * images peaked 43.7 MB a sample above its forward pass's 36.8 MB.
     */
    static final double BACKWARD_SHARE = 1.2;

    /** The JVM, the PyTorch natives and the data, roughly (a small MLP run's resident memory: 0.55 GB). */
    static final double RUNTIME_BYTES = 0.6e9;

    /** The line a run stopped from outside (Ctrl-C, kill) leaves: where it can continue from. */
    private void sayHowToResume() {
        // waits for a checkpoint being written, and keeps the next from being written, until the line is out
        synchronized (runFiles) {
            sayHowToResumeNow();
        }
    }

    private void sayHowToResumeNow() {
        List<Path> all;
        try {
            all = new Checkpoints(runDir, 1).list();
        } catch (RuntimeException e) {
            all = List.of();
        }
        String line = all.isEmpty() || !Files.exists(runDir.resolve("config.json"))
                ? "interrupted before the run's first checkpoint" + (Files.exists(runDir.resolve("config.json"))
                        ? "; ./nclab train --resume " + runDir + " starts it again" : "")
                : "interrupted; ./nclab train --resume " + runDir + " continues from its newest checkpoint, "
                        + all.get(all.size() - 1).getFileName();
        io.nclab.Interruption.say(line); // not through the log: the training thread may hold its lock
    }

    /** The class names (where the data has them) and the input normalisation of a run's training set. */
    public static final String DATA_FILE = "data.json";

    /**
     * timing.csv's columns, in this order in every run (an epoch without a probe, or the probe before training,
     * leaves its cells empty).
     */
    static final List<String> TIMING_COLUMNS = List.of("epoch", "threads", "train_seconds", "train_samples_per_s",
            "data_seconds", "probe_seconds", "checkpoint_seconds", "rss_mb", "java_heap_mb");

    /** A run that diverged says so in this file (its one-line error), for a later report of the directory. */
    public static final String DIVERGED = "diverged.txt";

    /** The training labels of a --random-labels run. */
    static final String RANDOM_LABELS = "train-labels.json";

    /** Every file a run writes in its folder (beside checkpoints/). */
    private static final java.util.Set<String> RUN_FILES = java.util.Set.of("config.json", DATA_FILE, RANDOM_LABELS,
            "metrics.csv", "metrics.jsonl", "timing.csv", "timing.jsonl", DIVERGED, "best-model.params", RunFiles.MARGINS);

    /**
     * Held while config.json or a checkpoint is written, and while an interrupted run says where it can continue from:
     * the line names the checkpoint that is there when the process ends (the training thread goes on while shutdown
     * hooks run, and could write one more after the line was made).
     */
    private final Object runFiles = new Object();

    /** What a run writes before its first epoch trains. */
    private static final List<String> STARTED_FILES = List.of("config.json", RANDOM_LABELS, "metrics.csv",
            "metrics.jsonl", "timing.csv", "timing.jsonl", DATA_FILE, DIVERGED, RunLock.FILE);

    /**
     * An operating-system lock on a run directory for as long as one process trains in it: a second
     * {@code train --out} or {@code --resume} on the same directory is refused instead of writing checkpoints
     * and metrics beside the first. The lock goes with its process, however that ends; the (empty, hidden)
     * file stays.
     */
    private record RunLock(java.nio.channels.FileChannel channel, java.nio.channels.FileLock lock, Path held)
            implements AutoCloseable {
        static final String FILE = ".nclab-train.lock";

        /** The directory is locked by another training (in this process or another). */
        static final class InUse extends UserError {
            InUse(String message) {
                super(message);
            }
        }

        /**
         * The run directories this process holds locked. A lock is the process's (POSIX record locks), and closing
         * any other channel of the same file would release it: a directory held here is answered from this set,
         * never by opening the lock file again.
         */
        private static final java.util.Set<Path> HELD = java.util.concurrent.ConcurrentHashMap.newKeySet();

        private static Path key(Path runDir) {
            return runDir.toAbsolutePath().normalize();
        }

        /** Locks the directory; where the file system has no locks, the run goes on unlocked ({@code lock} null). */
        static RunLock take(Path runDir, boolean resuming) {
            if (HELD.contains(key(runDir))) {
                throw new InUse("run directory " + runDir + " is in use: this process is already training in it");
            }
            java.nio.channels.FileChannel channel;
            try {
                Files.createDirectories(runDir);
                channel = java.nio.channels.FileChannel.open(runDir.resolve(FILE),
                        java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE);
            } catch (IOException e) {
                throw new UserError("cannot write run directory " + runDir + ": " + IoErrors.reason(e));
            }
            java.nio.channels.FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (java.nio.channels.OverlappingFileLockException e) {
                closeQuietly(channel);
                throw new InUse("run directory " + runDir + " is in use: this process is already training in it");
            } catch (IOException e) {
                HELD.add(key(runDir)); // e.g. an NFS or FUSE mount without locking: this process still knows
                return new RunLock(channel, null, key(runDir));
            }
            if (lock == null) {
                closeQuietly(channel);
                throw new InUse("run directory " + runDir + " is in use: another nclab process is training in it;"
                        + " wait for it to end (or stop it) before " + (resuming ? "resuming" : "reusing") + " it");
            }
            HELD.add(key(runDir));
            return new RunLock(channel, lock, key(runDir));
        }

        /** Whether another process holds the directory's lock now (false where the lock file is absent or unlockable). */
        static boolean heldElsewhere(Path runDir) {
            if (HELD.contains(key(runDir))) {
                return true; // this process trains there (checked without touching its lock)
            }
            Path file = runDir.resolve(FILE);
            if (!Files.isRegularFile(file)) {
                return false;
            }
            try (java.nio.channels.FileChannel c = java.nio.channels.FileChannel.open(file,
                    java.nio.file.StandardOpenOption.WRITE)) {
                java.nio.channels.FileLock l = c.tryLock();
                if (l != null) {
                    l.release();
                }
                return l == null;
            } catch (java.nio.channels.OverlappingFileLockException e) {
                return true; // this process trains there
            } catch (IOException e) {
                return false;
            }
        }

        private static void closeQuietly(java.nio.channels.FileChannel c) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (IOException ignored) {
                // nothing held
            }
        }

        @Override
        public void close() {
            closeQuietly(channel); // releases the lock
            if (held != null) {
                HELD.remove(held);
            }
        }
    }

    /** The run proper, in its prepared directory; {@code training[0]} turns true as the first epoch starts. */
    private TrainResult train(Device device, TrainingData data, Loss loss, boolean[] training) {
        Engine.getEngine("PyTorch").setRandomSeed(torchSeed(config.seed()));
        int threads = threadsUsed();
        Nd.setThreads(threads);
        try (NDManager root = Nd.newManager(device)) {
            var train = data.train();
            Network net = Network.build(config.model(), train.channels(), train.height(), train.width(),
                    data.classes(), root);
            Optimizer optimizer = optimizer(root);
            Checkpoints checkpoints = new Checkpoints(runDir, config.keepCheckpoints());
            MetricsLog metrics = new MetricsLog(runDir, "metrics");
            MetricsLog timing = new MetricsLog(runDir, "timing", TIMING_COLUMNS);
            Map<String, Object> trainedWith = trainedWith(config); // what every checkpoint of this attempt keeps
            if (resuming) {
                requireSameSettings(trainedWith, checkpoints.latestSettings());
            }
            Checkpoints.State state = resuming ? checkpoints.restoreLatest(net, optimizer, root) : null;
            List<Trainable> params = trainables(net);
            if (state == null) {
                state = new Checkpoints.State(0, Double.NEGATIVE_INFINITY, 0, Double.NaN, List.of(), List.of(),
                        trainedWith);
                if (resuming) {
                    say("no checkpoint in " + runDir + ": starting the run from the beginning");
                }
            } else if (state.epoch() >= config.epochs()) {
                // nothing left to train: the run's own figures, its files untouched and its seconds unchanged (a
                // sweep reads them again; re-timing the set-up made them drift at every --resume)
                say("run " + runDir + " is complete (epoch " + state.epoch() + " of " + config.epochs()
                        + "): nothing to train");
                return new TrainResult(runDir, config.epochs(), secondsSoFar(state.timing()), state.bestValAccuracy(),
                        state.bestEpoch(), state.testAtBest(), lastDouble(state.rows(), "train_accuracy"),
                        lastCollapse(state.rows()), List.copyOf(state.rows()));
            } else {
                say("resuming " + runDir + " after epoch " + state.epoch());
                Object before = state.timing().isEmpty() ? null
                        : state.timing().get(state.timing().size() - 1).get("threads");
                if (before instanceof Number b && b.intValue() != threads) {
                    // the same arithmetic in another order: the run goes on, a few last digits from an unbroken one
                    say("note: this continuation runs on " + threads + " thread" + (threads == 1 ? "" : "s")
                            + ", the run so far on " + b.intValue() + ": its numbers may differ from an uninterrupted"
                            + " run's in their last digits");
                }
                String started = startedWith(runDir);
                if (started != null && !started.equals(io.nclab.Version.commit())) {
                    // config.json keeps the first attempt's commit: the epochs from here on are another code's
                    say("note: this continuation runs nclab " + io.nclab.Version.commit() + ", the run so far ran "
                            + started + " (config.json's git_commit)");
                }
            }
            say(String.format(Locale.ROOT, "%s, %s: d = %d, %,d trainable parameters; %,d training images (%s per"
                    + " class), %,d validation, %,d test", config.dataset().name().toLowerCase(Locale.ROOT)
                    .replace('_', '-'), config.model().describe(), net.featureDim(), net.trainableParameters(), train.size(),
                    range(data.trueTrainCounts()), data.validation().size(), data.test().size()));
            imbalanceNote(data);
            metrics.reset(state.rows());
            timing.reset(state.timing());
            Loop loop = new Loop(net, params, optimizer, loss, data, root, device);
            double bestVal = state.bestValAccuracy();
            int bestEpoch = state.bestEpoch();
            double testAtBest = state.testAtBest();
            Map<String, Double> lastCollapse = lastCollapse(metrics.rows());
            double lastTrainAcc = lastDouble(metrics.rows(), "train_accuracy");
            if (state.epoch() == 0 && config.initialProbe()) {
                // The untrained network: where every curve starts (not a candidate for the best model).
                long p0 = System.nanoTime();
                Map<String, Object> row = loop.probe(0, config.schedule().lr(config.lr(), 0, config.epochs(),
                        config.stepEvery()), Loop.EpochStats.NONE, collapse, checkpoints, false);
                metrics.add(row);
                lastTrainAcc = (double) row.get("train_accuracy");
                lastCollapse = lastCollapse(metrics.rows());
                Map<String, Object> time = new LinkedHashMap<>();
                time.put("epoch", 0);
                time.put("threads", threads);
                time.put("probe_seconds", (System.nanoTime() - p0) / 1e9);
                timing.add(time);
                say(summaryLine(row));
            }
            training[0] = true;
            for (int epoch = state.epoch() + 1; epoch <= config.epochs(); epoch++) {
                double lr = config.schedule().lr(config.lr(), epoch - 1, config.epochs(), config.stepEvery());
                long t0 = System.nanoTime();
                Loop.EpochStats es = loop.epoch(epoch, lr, checkpoints);
                // the epoch's last updates may have left non-finite parameters behind a finite last loss: they
                // must never become a checkpoint or the best model, which a divergence names as the last good one
                requireFiniteParameters(net, epoch, checkpoints);
                double trainSeconds = (System.nanoTime() - t0) / 1e9;
                Map<String, Object> time = new LinkedHashMap<>();
                time.put("epoch", epoch);
                time.put("threads", threads);
                time.put("train_seconds", trainSeconds);
                time.put("train_samples_per_s", es.samples() / trainSeconds);
                time.put("data_seconds", es.dataSeconds());
                boolean probe = epoch % config.probeEvery() == 0 || epoch == config.epochs();
                if (probe) {
                    long p0 = System.nanoTime();
                    Map<String, Object> row = loop.probe(epoch, lr, es, collapse, checkpoints,
                            epoch == config.epochs());
                    time.put("probe_seconds", (System.nanoTime() - p0) / 1e9);
                    metrics.add(row);
                    double val = (double) row.get("val_accuracy");
                    lastTrainAcc = (double) row.get("train_accuracy");
                    lastCollapse = lastCollapse(metrics.rows());
                    if (io.nclab.experiment.ProbeTable.replacesKept(val, bestVal)) {
                        bestVal = val;
                        bestEpoch = epoch;
                        testAtBest = (double) row.get("test_accuracy");
                        Checkpoints.saveModel(runDir.resolve("best-model.params"), net);
                    }
                    say(summaryLine(row));
                }
                time.put("rss_mb", residentMegabytes());
                time.put("java_heap_mb", javaHeapMegabytes());
                timing.add(time);
                if (epoch % config.checkpointEvery() == 0 || epoch == config.epochs()) {
                    long c0 = System.nanoTime();
                    Checkpoints.State saved = new Checkpoints.State(epoch, bestVal, bestEpoch, testAtBest,
                            metrics.rows(), timing.rows(), trainedWith);
                    // the seconds go into this epoch's row once the model and optimiser state are written, before the
                    // checkpoint's own copy of the rows: a run resumed from it reports the same seconds
                    synchronized (runFiles) {
                        checkpoints.save(saved, () -> time.put("checkpoint_seconds", (System.nanoTime() - c0) / 1e9),
                                net, optimizer, root);
                    }
                    timing.rewrite();
                }
            }
            // the epochs, probes and checkpoints as timing.csv records them (this attempt's and the earlier ones'), not the set-up:
            // the figure a --resume of the finished run reports again, and the same whichever attempts made the run
            double seconds = secondsSoFar(timing.rows());
            return new TrainResult(runDir, config.epochs(), seconds, bestVal, bestEpoch, testAtBest, lastTrainAcc,
                    lastCollapse, List.copyOf(metrics.rows()));
        }
    }

    /** The seconds of the epochs, probes and checkpoints that timing rows record. */
    private static double secondsSoFar(List<Map<String, Object>> timingRows) {
        double seconds = 0;
        for (Map<String, Object> row : timingRows) {
            for (String k : List.of("train_seconds", "probe_seconds", "checkpoint_seconds")) {
                if (row.get(k) instanceof Number n && Double.isFinite(n.doubleValue())) {
                    seconds += n.doubleValue();
                }
            }
        }
        return seconds;
    }

    /**
     * The device of {@code --device}, checked before anything is read or written: PyTorch fails at the first
     * operation on a GPU it does not see, with a long trace.
     */
    public static Device device(String name) {
        if (!name.equals("gpu")) {
            return Device.cpu();
        }
        Engine engine = Engine.getEngine("PyTorch");
        if (engine.getGpuCount() == 0) {
            throw new UserError("--device gpu: no GPU visible to the PyTorch engine (PyTorch " + engine.getVersion()
                    + "); GPU training needs an NVIDIA GPU with its driver and PyTorch's CUDA native library"
                    + " (DJL's pytorch-native-cu* in place of pytorch-native-cpu); use --device cpu");
        }
        return Device.gpu();
    }

    /**
     * The batch size of a probe's forward passes: for the MLP at least 500 whatever the training batch (larger
     * products, faster); for the convolutional networks the training batch, whose activations the pass holds until
     * the batch is done: 500 images took WideResNet-50 ×0.25 to 16 GB and 30 s a probe, its batch of 128 to 6 GB and
     * 11 s.
     */
    static int probeBatch(TrainConfig config) {
        return config.model().architecture() == io.nclab.model.Architecture.MLP ? Math.max(config.batchSize(), 500)
                : config.batchSize();
    }

    /** The run's three sets, as the configuration cuts them. */
    static TrainingData prepareData(TrainConfig config) {
        DataSource source = config.dataset().load(config.dataDir() == null ? null : Path.of(config.dataDir()));
        return TrainingData.prepare(source, config.perClass(), config.valFraction(), config.imbalance(),
                config.imbalanceProfile(), config.randomLabels(), config.seed());
    }

    private void prepareRunDir(TrainingData data) {
        try {
            Files.createDirectories(runDir);
        } catch (IOException e) {
            throw new UserError("cannot create run directory " + runDir + ": " + IoErrors.reason(e));
        }
        Checkpoints.deleteQuietly(runDir.resolve(DIVERGED)); // a resumed attempt is judged afresh
        // the temporaries of writes an earlier attempt was killed in (this process holds the run's lock)
        io.nclab.io.AtomicFiles.deleteTemporaries(runDir, RUN_FILES);
        if (resuming) {
            // a directory that already holds a run was refused in run(), before anything was written; what a run
            // killed while it started did not write yet (a run of an earlier nclab never wrote) is written now
            writeDataFiles(data, true);
            return;
        }
        Map<String, Object> settings = config.settings();
        settings.put(TrainConfig.THREADS_USED, threadsUsed()); // "threads": 0 says only "every core"
        // absolute, so that --resume works from any working directory
        settings.put("out", runDir.toAbsolutePath().normalize().toString());
        if (settings.get("data_dir") instanceof String d) {
            settings.put("data_dir", Path.of(d).toAbsolutePath().normalize().toString());
        }
        // first: config.json is what makes the directory resumable, and --resume writes the data files a run killed
        // before them lacks (they follow from the configuration); written after them, a kill in between left a folder
        // of data files that --resume (no config.json) and --out (not a run's folder) both refused
        synchronized (runFiles) {
            Provenance.writeConfig(runDir, "train", settings);
        }
        writeDataFiles(data, false);
    }

    /** The commit config.json says the run was started with, or null where it names none (or "unknown"). */
    private static String startedWith(Path runDir) {
        try {
            Object c = Json.MAPPER.readValue(runDir.resolve("config.json").toFile(), Map.class).get("git_commit");
            return c instanceof String s && !s.equals("unknown") ? s : null;
        } catch (IOException | RuntimeException e) {
            return null; // read once already to resume: a config.json gone bad since says nothing here
        }
    }

    /** The threads this attempt trains on: the configured count, or every core for 0. */
    private int threadsUsed() {
        return config.threads() > 0 ? config.threads() : Runtime.getRuntime().availableProcessors();
    }

    /** data.json, and train-labels.json with random labels: both follow from the configuration alone. */
    private void writeDataFiles(TrainingData data, boolean onlyMissing) {
        // what it takes to use the trained model on new data: the class order and the input normalisation
        Map<String, Object> about = new LinkedHashMap<>();
        about.put("classes", data.classes());
        about.put("class_names", data.classNames());
        about.put("normalization_mean", data.normalization().mean());
        about.put("normalization_std", data.normalization().std());
        // the sets as cut (--per-class, --val-fraction, --imbalance; the training labels after --random-labels):
        // N, for instance, turns --lambda-h into the UFM's λ_H / N
        about.put("train_per_class", data.train().classCounts());
        if (config.randomLabels() > 0) {
            about.put("train_per_class_true_labels", data.trueTrainCounts());
        }
        about.put("validation_per_class", data.validation().classCounts());
        about.put("test_per_class", data.test().classCounts());
        about.put("note", "inputs are scaled to [0, 1], then (x - mean) / std per channel");
        if (!onlyMissing || !Files.exists(runDir.resolve(DATA_FILE))) {
            Json.writePretty(runDir.resolve(DATA_FILE), about);
        }
        if (config.randomLabels() > 0 && (!onlyMissing || !Files.exists(runDir.resolve(RANDOM_LABELS)))) {
            Map<String, Object> labels = new LinkedHashMap<>();
            labels.put("labels", data.train().labels()); // what the run trains on
            labels.put("true_labels", data.trueTrainLabels()); // the same images' own labels
            Json.writePretty(runDir.resolve(RANDOM_LABELS), labels);
        }
    }

    /**
     * Says so when the classes' sizes are more than 10% off the ratio --imbalance asked for: n_k is rounded up to
     * whole images (at least one) and cannot exceed what the class has, which small classes feel.
     */
    private void imbalanceNote(TrainingData data) {
        if (config.imbalance() <= 1) {
            return;
        }
        int[] counts = data.trueTrainCounts();
        int min = java.util.Arrays.stream(counts).min().orElse(0);
        int max = java.util.Arrays.stream(counts).max().orElse(0);
        double effective = min == 0 ? Double.POSITIVE_INFINITY : (double) max / min;
        if (Math.abs(effective / config.imbalance() - 1) > 0.1) {
            say(String.format(Locale.ROOT, "note: --imbalance %s leaves the classes %,d to %,d training images, a ratio"
                    + " of %.3g (class sizes are rounded up to whole images, at least one, and capped at what a class"
                    + " has)", Csv.plain(config.imbalance()), max,
                    min, effective));
        }
    }

    /** "500" when every class has as many, else "50-500". */
    private static String range(int[] counts) {
        int min = java.util.Arrays.stream(counts).min().orElse(0);
        int max = java.util.Arrays.stream(counts).max().orElse(0);
        return min == max ? String.format(Locale.ROOT, "%,d", min) : String.format(Locale.ROOT, "%,d-%,d", min, max);
    }

    private List<Trainable> trainables(Network net) {
        List<Trainable> out = new ArrayList<>();
        for (Pair<String, Parameter> p : net.parameters()) {
            Parameter param = p.getValue();
            if (!param.requiresGradient()) {
                continue;
            }
            String name = p.getKey();
            double decay = config.weightDecay();
            if (config.featureDecay() && Network.isClassifierWeight(name)) {
                decay = config.lambdaW();
            } else if (config.featureDecay() && Network.isClassifierBias(name)) {
                decay = config.lambdaB();
            }
            out.add(new Trainable(name, param.getArray(), decay));
        }
        return out;
    }

    private Optimizer optimizer(NDManager root) {
        switch (config.optimizer()) {
            case SGD:
                return new Sgd(root, config.momentum(), config.nesterov());
            case ADAM:
                return new Adam(root);
            default:
                return new NetworkLbfgs(config.lbfgsHistory(), config.lbfgsIterations());
        }
    }

    private static Map<String, Double> lastCollapse(List<Map<String, Object>> rows) {
        Map<String, Double> m = new LinkedHashMap<>();
        if (rows.isEmpty()) {
            return m;
        }
        for (Map.Entry<String, Object> e : rows.get(rows.size() - 1).entrySet()) {
            if (!PROBE_COLUMNS.contains(e.getKey())) {
                m.put(e.getKey(), toDouble(e.getValue()));
            }
        }
        return m;
    }

    /** The probe row's own columns; the NC engine's metrics follow them. */
    private static final java.util.Set<String> PROBE_COLUMNS = java.util.Set.of("epoch", "lr", "epoch_loss",
            "epoch_accuracy", "train_loss", "train_accuracy", "val_loss", "val_accuracy", "test_loss", "test_accuracy");

    private static double lastDouble(List<Map<String, Object>> rows, String key) {
        return rows.isEmpty() ? Double.NaN : toDouble(rows.get(rows.size() - 1).get(key));
    }

    static double toDouble(Object o) {
        if (o instanceof Number) {
            return ((Number) o).doubleValue();
        }
        return o == null ? Double.NaN : Double.parseDouble(o.toString());
    }

    static String summaryLine(Map<String, Object> row) {
        return String.format(Locale.ROOT, "probe epoch %s: train acc %.4f loss %.4g | val acc %s | test acc %.4f | nc1 %.4g",
                row.get("epoch"), toDouble(row.get("train_accuracy")), toDouble(row.get("train_loss")),
                // no validation set (--val-fraction 0): a dash, as the reports show it, not "NaN"
                Double.isNaN(toDouble(row.get("val_accuracy"))) ? "-"
                        : String.format(Locale.ROOT, "%.4f", toDouble(row.get("val_accuracy"))),
                toDouble(row.get("test_accuracy")), toDouble(row.get("nc1")));
    }

    /** The Java heap in use after a collection, so that resident memory minus it tracks native memory. */
    static double javaHeapMegabytes() {
        Runtime rt = Runtime.getRuntime();
        System.gc();
        return (rt.totalMemory() - rt.freeMemory()) / 1048576.0;
    }

    /** Resident memory of this process (Linux /proc), for the native-memory check; NaN elsewhere. */
    static double residentMegabytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Double.parseDouble(line.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
        return Double.NaN;
    }

    /** Stops the run as diverged if a parameter (or a batch-norm running statistic) is NaN or infinite. */
    private void requireFiniteParameters(Network net, int epoch, Checkpoints checkpoints) {
        for (Pair<String, Parameter> p : net.parameters()) {
            NDArray a = p.getValue().getArray();
            float largest;
            try (NDArray abs = a.abs(); NDArray max = abs.max()) {
                largest = max.getFloat(); // NaN if any entry is NaN
            }
            if (!Float.isFinite(largest)) {
                throw diverged("the updates of epoch " + epoch + " left " + p.getKey() + " " + (Float.isNaN(largest)
                        ? "NaN" : "infinite"), checkpoints);
            }
        }
    }

    /** The one-line error that stops a run whose loss is no longer finite; also written to {@link #DIVERGED}. */
    private UserError diverged(double loss, String where, Checkpoints checkpoints) {
        return diverged(String.format(Locale.ROOT, "the loss became %s at %s", loss, where), checkpoints);
    }

    private UserError diverged(String what, Checkpoints checkpoints) {
        List<Path> kept = checkpoints.list();
        String advice = " (" + divergenceAdvice(config) + ")";
        UserError e = new UserError("training diverged: " + what + "; " + (kept.isEmpty()
                ? "no checkpoint was written yet" + advice
                : "the last good checkpoint is " + kept.get(kept.size() - 1) + advice));
        try {
            AtomicFiles.writeString(runDir.resolve(DIVERGED), e.getMessage() + "\n");
        } catch (UserError unwritable) {
            // a full or read-only disk: the divergence is still the error to report
        }
        return e;
    }

    /**
     * What to change after a divergence: a lower rate, and tighter gradient clipping where the optimiser clips
     * (a smaller --clip clips harder; --clip 0 clips nothing, L-BFGS is never clipped).
     */
    static String divergenceAdvice(TrainConfig c) {
        if (c.optimizer() == TrainConfig.OptimizerKind.LBFGS) {
            return "lower --lr";
        }
        if (c.clip() == 0) {
            return "lower --lr, or clip the gradient norm with e.g. --clip 2";
        }
        return String.format(Locale.ROOT, "lower --lr, or clip harder with a --clip below %s",
                Csv.plain(c.clip()));
    }

    /**
     * Where the training batch that starts at {@code from} of {@code n} samples ends. A last sample alone
     * joins the batch before it (batch norm cannot train on a batch of one; a batch size of 1 with batch
     * norm is refused up front, TrainConfig). L-BFGS runs several line-searched iterations on each batch,
     * so a small last batch would pull the whole network towards a handful of samples: with L-BFGS a
     * remainder below half a batch joins the batch before it.
     */
    static int batchEnd(int from, int n, TrainConfig config) {
        int to = Math.min(n, from + config.batchSize());
        int rest = n - to;
        return rest > 0 && rest < smallestLast(config) ? n : to;
    }

    /** The smallest last batch that stays a batch of its own: 2 (never one sample), half a batch with L-BFGS. */
    private static int smallestLast(TrainConfig config) {
        return config.optimizer() == TrainConfig.OptimizerKind.LBFGS ? Math.max(2, (config.batchSize() + 1) / 2) : 2;
    }

    /**
     * PyTorch's seed (an int) for a run's seed: the seed itself where it is an int, as it always was; else a mix of
     * all 64 bits, so that seeds 0 and 2^32 give different networks (a cast made them one) and a large seed is
     * unlikely to meet a small one's network.
     */
    static int torchSeed(long seed) {
        return seed == (int) seed ? (int) seed : new java.util.SplittableRandom(seed).nextInt();
    }

    /** The most samples {@link #batchEnd} puts in one batch. */
    static long largestBatch(TrainConfig config) {
        return (long) config.batchSize() + smallestLast(config) - 1;
    }

    /** The per-epoch machinery of one run. */
    private final class Loop {
        private final Network net;
        private final List<Trainable> params;
        private final Optimizer optimizer;
        private final Loss loss;
        private final TrainingData data;
        private final NDManager root;
        private final ParameterStore store;
        private final BatchAssembler trainSet;
        private final BatchAssembler valSet;
        private final BatchAssembler testSet;
        private final float[] buffer;

        record EpochStats(long samples, double loss, double accuracy, double dataSeconds) {
            /** Before the first epoch: nothing trained yet. */
            static final EpochStats NONE = new EpochStats(0, Double.NaN, Double.NaN, 0);
        }

        Loop(Network net, List<Trainable> params, Optimizer optimizer, Loss loss, TrainingData data, NDManager root,
                Device device) {
            this.net = net;
            this.params = params;
            this.optimizer = optimizer;
            this.loss = loss;
            this.data = data;
            this.root = root;
            this.store = new ParameterStore(root, false);
            this.trainSet = new BatchAssembler(data.train(), data.normalization());
            this.valSet = new BatchAssembler(data.validation(), data.normalization());
            this.testSet = new BatchAssembler(data.test(), data.normalization());
            long floats = Math.min(largestBatch(config), data.train().size()) * (long) data.train().sampleSize();
            if (floats > Integer.MAX_VALUE - 8) {
                throw new UserError("--batch-size " + config.batchSize() + " of " + data.train().sampleSize()
                        + "-value images does not fit in one Java array; use a smaller --batch-size");
            }
            this.buffer = new float[(int) floats];
        }

        EpochStats epoch(int epoch, double lr, Checkpoints checkpoints) {
            int n = data.train().size();
            int[] order = Rng.of(config.seed(), "shuffle", epoch).permutation(n);
            Rng augment = config.augment() ? Rng.of(config.seed(), "augment", epoch) : null;
            Progress bar = new Progress(log, terminal);
            long t0 = System.nanoTime();
            long dataNanos = 0;
            double lossSum = 0;
            double correct = 0;
            long seen = 0;
            for (int from = 0, to; from < n; from = to) {
                to = batchEnd(from, n, config);
                try (NDManager scope = root.newSubManager()) {
                    long d0 = System.nanoTime();
                    Batch b = Batch.of(scope, trainSet, order, from, to, augment, buffer);
                    dataNanos += System.nanoTime() - d0;
                    StepObjective objective = new StepObjective(b);
                    optimizer.step(params, objective, lr);
                    if (!Double.isFinite(objective.firstLoss)) {
                        throw diverged(objective.firstLoss, String.format(Locale.ROOT,
                                "epoch %d, samples %d-%d (lr %.3g)", epoch, from, to, lr), checkpoints);
                    }
                    lossSum += objective.firstLoss * b.size();
                    correct += objective.firstCorrect;
                    seen += b.size();
                }
                double secs = (System.nanoTime() - t0) / 1e9;
                bar.batch(epoch, config.epochs(), seen, n, seen / secs, lossSum / seen, correct / seen);
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            bar.line(String.format(Locale.ROOT, "epoch %d/%d  lr %.4g  loss %.4f  acc %.4f  %.0f samples/s  (%.1f s)",
                    epoch, config.epochs(), lr, lossSum / seen, correct / seen, seen / secs, secs));
            return new EpochStats(seen, lossSum / seen, correct / seen, dataNanos / 1e9);
        }

        /** The mini-batch objective; records the loss and accuracy of its first evaluation. */
        private final class StepObjective implements Optimizer.Objective {
            private final Batch batch;
            double firstLoss = Double.NaN;
            double firstCorrect;
            private boolean evaluated;

            StepObjective(Batch batch) {
                this.batch = batch;
            }

            @Override
            public double evaluate() {
                for (Trainable p : params) {
                    p.zeroGradient();
                }
                double value;
                try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
                    Network.Output o = net.forward(store, batch.images(), true);
                    NDArray z = o.logits().transpose();
                    NDArray per;
                    NDArray total;
                    if (config.analyticGradient()) {
                        // backward of Σ z ⊙ stopGradient(G/B): the loss's analytic logit gradient
                        NDArray fixed = z.stopGradient();
                        NDList vg = loss.valuesAndGradient(fixed, batch.targets());
                        per = vg.get(0);
                        NDArray g = vg.get(1).divi(batch.size());
                        total = z.mul(g).sum();
                    } else {
                        per = loss.values(z, batch.targets());
                        total = per.mean();
                    }
                    NDArray reg = o.features().getManager().zeros(new ai.djl.ndarray.types.Shape());
                    if (config.featureDecay() && config.lambdaH() > 0) {
                        reg = o.features().square().sum().mul((float) (config.lambdaH() / (2.0 * batch.size())));
                        total = total.add(reg);
                    }
                    gc.backward(total);
                    float[] v = NDArrays.stack(new NDList(per.mean(), batch.correct(o.logits()), reg.stopGradient()))
                            .toFloatArray();
                    value = (double) v[0] + v[2];
                    if (!evaluated) {
                        firstLoss = v[0];
                        firstCorrect = v[1];
                        evaluated = true;
                    }
                }
                if (config.clip() > 0 && config.optimizer() != TrainConfig.OptimizerKind.LBFGS
                        && Double.isFinite(value)) {
                    clip();
                }
                return value;
            }
        }

        private void clip() {
            clipGradients(params, config.clip(), root);
        }

        /**
         * One probe row; the {@code last} probe also leaves the run's final files ({@link RunFiles}): the
         * sorted cosine margins of the training set, and at d = 3 its features, labels and W.
         */
        Map<String, Object> probe(int epoch, double lr, EpochStats es, CollapseProbe measure, Checkpoints checkpoints,
                boolean last) {
            int batch = probeBatch(config);
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("epoch", epoch);
            row.put("lr", lr);
            row.put("epoch_loss", es.loss());
            row.put("epoch_accuracy", es.accuracy());
            try (NDManager scope = root.newSubManager()) {
                Probe.SetResult tr = Probe.run(net, store, trainSet, loss, batch, true, scope);
                if (!Double.isFinite(tr.loss())) {
                    throw diverged(tr.loss(), "the probe after epoch " + epoch, checkpoints);
                }
                row.put("train_loss", tr.loss());
                row.put("train_accuracy", tr.accuracy());
                Probe.SetResult va = Probe.run(net, store, valSet, loss, batch, false, scope);
                row.put("val_loss", va.loss());
                row.put("val_accuracy", va.accuracy());
                Probe.SetResult te = Probe.run(net, store, testSet, loss, batch, false, scope);
                row.put("test_loss", te.loss());
                row.put("test_accuracy", te.accuracy());
                int[] labels = data.train().labels();
                Map<String, Double> nc;
                if (last) {
                    CollapseProbe.Final f = measure.measureFinal(tr.features(), labels, data.classes(),
                            net.classifierWeight(), net.classifierBias());
                    nc = f.values();
                    if (f.cosineMargins().length > 0) {
                        RunFiles.writeMargins(runDir.resolve(RunFiles.MARGINS), f.cosineMargins());
                    }
                    if (tr.features().getShape().get(1) == 3) {
                        RunFiles.writeFeatures(runDir, tr.features(), labels, net.classifierWeight());
                    }
                } else {
                    nc = measure.measure(tr.features(), labels, data.classes(), net.classifierWeight(),
                            net.classifierBias());
                }
                nc.forEach((k, v) -> row.put(k, v));
            }
            return row;
        }
    }
}
