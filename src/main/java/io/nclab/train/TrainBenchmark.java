package io.nclab.train;

import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import io.nclab.data.BatchAssembler;
import io.nclab.data.TrainingData;
import io.nclab.io.Json;
import io.nclab.loss.LossSpec;
import io.nclab.metrics.NumericalRank;
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
import java.util.Map;

/**
 * The training benchmark that scripts/bench-train.sh runs beside PyTorch's bench/train_torch.py: the same MLP,
 * data (Fashion-MNIST, --per-class 500, no hold-out) and batch size. Prints one JSON line: training
 * samples/s over the epochs, and the best of {@link #REPEATS} timings of a plain forward pass over the clean
 * training set and of the probe pass (that forward pass keeping the features, plus every NC metric), with the
 * probe's two parts and {@code numerical_rank} alone. A training run probes once per epoch, and the engine's code
 * is compiled by the JVM over its first few probes: the best of all repeats is the probe of a run some epochs in,
 * the best of the first {@link #FIRST} (what earlier sessions reported) one of its first epochs.
 *
 * <p>Arguments: {@code OUT_DIR [epochs] [per-class] [threads] [analytic]}.
 */
public final class TrainBenchmark {
    private TrainBenchmark() {}

    /** Timings of each pass. */
    static final int REPEATS = 10;

    /** The first repeats, whose best is reported apart. */
    static final int FIRST = 3;

    public static void main(String[] args) throws IOException {
        Path out = Path.of(args[0]);
        int epochs = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        int perClass = args.length > 2 ? Integer.parseInt(args[2]) : 500;
        int threads = args.length > 3 ? Integer.parseInt(args[3]) : 0;
        boolean analytic = args.length > 4 && args[4].equals("analytic");
        // train_torch.py's optimizer and batch size (SGD, momentum 0.9, batch 128), not the MLP's defaults
        TrainConfig config = TrainConfig.defaults().with(Map.ofEntries(Map.entry("per_class", perClass),
                Map.entry("val_fraction", 0.0), Map.entry("epochs", epochs), Map.entry("probe_every", 1000),
                Map.entry("checkpoint_every", 1000), Map.entry("out", out.toString()),
                Map.entry("analytic_gradient", analytic), Map.entry("threads", threads),
                Map.entry("initial_probe", false), Map.entry("optimizer", "SGD"),
                Map.entry("lr", TrainConfig.MLP_SGD_LR), Map.entry("batch_size", 128)));
        TrainResult r = Trainer.of(config, System.err).run();
        List<Map<String, Object>> timing = Json.MAPPER.readerForListOf(Map.class)
                .readValue("[" + String.join(",", Files.readAllLines(out.resolve("timing.jsonl"))) + "]");
        double samples = 0;
        double seconds = 0;
        for (Map<String, Object> t : timing) {
            double s = Trainer.toDouble(t.get("train_seconds"));
            seconds += s;
            samples += s * Trainer.toDouble(t.get("train_samples_per_s"));
        }
        TrainingData data = Trainer.prepareData(config);
        double plain = Double.POSITIVE_INFINITY;
        double probe = Double.POSITIVE_INFINITY;
        double probeForward = Double.POSITIVE_INFINITY;
        double probeMetrics = Double.POSITIVE_INFINITY;
        double rank = Double.POSITIVE_INFINITY;
        double probeFirst = Double.POSITIVE_INFINITY;
        double plainFirst = Double.POSITIVE_INFINITY;
        try (NDManager m = Nd.newManager()) {
            var train = data.train();
            Network net = Network.build(config.model(), train.channels(), train.height(), train.width(),
                    data.classes(), m);
            try (InputStream in = Files.newInputStream(out.resolve("best-model.params"))) {
                net.load(m, new DataInputStream(new BufferedInputStream(in)));
            }
            ParameterStore store = new ParameterStore(m, false);
            BatchAssembler set = new BatchAssembler(train, data.normalization());
            var loss = LossSpec.parse(config.loss());
            for (int rep = 0; rep < REPEATS; rep++) {
                long t0 = System.nanoTime();
                Probe.run(net, store, set, loss, 1000, false, m);
                plain = Math.min(plain, (System.nanoTime() - t0) / 1e9);
                t0 = System.nanoTime();
                try (NDManager scope = m.newSubManager()) {
                    Probe.SetResult s = Probe.run(net, store, set, loss, 1000, true, scope);
                    long t1 = System.nanoTime();
                    CollapseMeasures.ENGINE.measure(s.features(), train.labels(), data.classes(),
                            net.classifierWeight(), net.classifierBias());
                    long t2 = System.nanoTime();
                    probe = Math.min(probe, (t2 - t0) / 1e9);
                    if (rep < FIRST) {
                        probeFirst = Math.min(probeFirst, (t2 - t0) / 1e9);
                        plainFirst = plain;
                    }
                    probeForward = Math.min(probeForward, (t1 - t0) / 1e9);
                    probeMetrics = Math.min(probeMetrics, (t2 - t1) / 1e9);
                    NumericalRank.measure(s.features(), train.labels(), data.classes());
                    rank = Math.min(rank, (System.nanoTime() - t2) / 1e9);
                }
            }
        }
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("tool", "nclab");
        j.put("samples", train(data));
        j.put("epochs", epochs);
        j.put("threads", threads);
        j.put("train_samples_per_s", samples / seconds);
        j.put("forward_pass_seconds", plain);
        j.put("probe_pass_seconds", probe);
        j.put("probe_over_forward", probe / plain);
        // the same over the first repeats alone, with the engine's code not yet compiled
        j.put("probe_pass_first_seconds", probeFirst);
        j.put("probe_over_forward_first", probeFirst / plainFirst);
        // the probe's two parts (each the best of the repeats, so they need not add up to it), and numerical_rank alone
        j.put("probe_forward_seconds", probeForward);
        j.put("probe_metrics_seconds", probeMetrics);
        j.put("numerical_rank_seconds", rank);
        j.put("train_accuracy", r.finalTrainAccuracy());
        System.out.println(Json.line(j));
    }

    private static int train(TrainingData d) {
        return d.train().size();
    }
}
