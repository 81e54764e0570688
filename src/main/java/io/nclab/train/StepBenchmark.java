package io.nclab.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import io.nclab.io.Json;
import io.nclab.loss.Loss;
import io.nclab.loss.LossSpec;
import io.nclab.model.Network;
import io.nclab.nd.Nd;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where one training step of the default MLP (batch 128, 784 → 3 × 1024 → 10) spends its time, beside
 * bench/train_step_torch.py: zeroing gradients, forward + backward, clipping, the SGD update, and one float32
 * GEMM of the MLP's shape (128×1024 by 1024×1024). Prints one JSON line of milliseconds; scripts/bench-step.sh
 * runs both. Arguments: {@code [steps] [threads]}.
 */
public final class StepBenchmark {
    private StepBenchmark() {}

    public static void main(String[] args) {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 60;
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 0;
        Nd.setThreads(threads > 0 ? threads : Runtime.getRuntime().availableProcessors());
        try (NDManager m = Nd.newManager()) {
            TrainConfig c = TrainConfig.defaults();
            Network net = Network.build(c.model(), 1, 28, 28, 10, m);
            ParameterStore store = new ParameterStore(m, false);
            List<Trainable> params = new ArrayList<>();
            for (Pair<String, Parameter> p : net.parameters()) {
                if (p.getValue().requiresGradient()) {
                    params.add(new Trainable(p.getKey(), p.getValue().getArray(), c.weightDecay()));
                }
            }
            Loss loss = LossSpec.parse("ce");
            Sgd sgd = new Sgd(m, c.momentum(), false);
            NDArray x = m.randomNormal(new Shape(128, 1, 28, 28));
            NDArray y = m.randomInteger(0, 10, new Shape(128), DataType.INT64);
            long zero = 0;
            long forward = 0;
            long clip = 0;
            long update = 0;
            int warm = 10;
            for (int s = 0; s < steps + warm; s++) {
                if (s == warm) {
                    zero = forward = clip = update = 0;
                }
                try (NDManager scope = m.newSubManager()) {
                    long t0 = System.nanoTime();
                    for (Trainable p : params) {
                        p.zeroGradient();
                    }
                    long t1 = System.nanoTime();
                    try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
                        NDArray xx = x.duplicate();
                        xx.attach(scope);
                        NDArray per = loss.values(net.forward(store, xx, true).logits().transpose(), y);
                        gc.backward(per.mean());
                        per.mean().toFloatArray();
                    }
                    long t2 = System.nanoTime();
                    Trainer.clipGradients(params, c.clip(), scope);
                    long t3 = System.nanoTime();
                    sgd.step(params, () -> 0.0, TrainConfig.MLP_SGD_LR);
                    long t4 = System.nanoTime();
                    zero += t1 - t0;
                    forward += t2 - t1;
                    clip += t3 - t2;
                    update += t4 - t3;
                }
            }
            NDArray a = m.randomNormal(new Shape(128, 1024));
            NDArray b = m.randomNormal(new Shape(1024, 1024));
            for (int i = 0; i < 10; i++) {
                a.matMul(b).close();
            }
            long g0 = System.nanoTime();
            for (int i = 0; i < 100; i++) {
                a.matMul(b).close();
            }
            double gemm = (System.nanoTime() - g0) / 1e8;
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("tool", "nclab");
            j.put("zero_ms", zero / 1e6 / steps);
            j.put("forward_backward_ms", forward / 1e6 / steps);
            j.put("clip_ms", clip / 1e6 / steps);
            j.put("sgd_ms", update / 1e6 / steps);
            j.put("sgemm_128x1024x1024_ms", gemm);
            System.out.println(Json.line(j));
        }
    }
}
