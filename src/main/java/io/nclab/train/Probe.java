package io.nclab.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import io.nclab.data.BatchAssembler;
import io.nclab.loss.Loss;
import io.nclab.model.Network;

/**
 * A forward pass of the network in inference mode over one whole (clean, unaugmented) set: accuracy,
 * mean loss and, when asked, the penultimate features h (N×d) for the NC engine.
 */
final class Probe {
    private Probe() {}

    /** Accuracy and mean loss over a set, and its features (owned by the caller) when kept. */
    record SetResult(double accuracy, double loss, NDArray features) {}

    static SetResult run(Network net, ParameterStore store, BatchAssembler set, Loss loss, int batchSize,
            boolean keepFeatures, NDManager manager) {
        int n = set.data().size();
        if (n == 0) {
            return new SetResult(Double.NaN, Double.NaN, null);
        }
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        float[] buffer = new float[Math.min(batchSize, n) * set.data().sampleSize()];
        double lossSum = 0;
        double correct = 0;
        NDList features = new NDList();
        for (int from = 0; from < n; from += batchSize) {
            int to = Math.min(n, from + batchSize);
            try (NDManager scope = manager.newSubManager()) {
                Batch b = Batch.of(scope, set, order, from, to, null, buffer);
                Network.Output o = net.forward(store, b.images(), false);
                NDArray per = loss.values(o.logits().transpose(), b.targets());
                float[] sums = NDArrays.stack(new NDList(per.sum(), b.correct(o.logits()))).toFloatArray();
                lossSum += sums[0];
                correct += sums[1];
                if (keepFeatures) {
                    o.features().attach(manager);
                    features.add(o.features());
                }
            }
        }
        NDArray h = null;
        if (keepFeatures) {
            h = features.size() == 1 ? features.get(0) : NDArrays.concat(features);
            if (features.size() > 1) {
                features.close();
            }
        }
        return new SetResult(correct / n, lossSum / n, h);
    }
}
