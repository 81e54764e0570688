package io.nclab.train;

import ai.djl.ndarray.NDArray;
import io.nclab.metrics.CollapseMetrics;
import java.util.Map;

/** The NC engine as the trainer's probes call it: every metric of {@link CollapseMetrics}, one implementation. */
final class CollapseMeasures {
    private CollapseMeasures() {}

    /**
     * The NC engine (io.nclab.metrics) on the probe's clean training features and the classifier; at the
     * last probe it also keeps the sorted cosine margins ({@link CollapseMetrics#cosineMargins()}).
     */
    static final Trainer.CollapseProbe ENGINE = new Trainer.CollapseProbe() {
        @Override
        public Map<String, Double> measure(NDArray features, int[] labels, int classes, NDArray weights,
                NDArray bias) {
            return CollapseMetrics.measure(features, labels, classes, weights, bias).values();
        }

        @Override
        public Final measureFinal(NDArray features, int[] labels, int classes, NDArray weights, NDArray bias) {
            CollapseMetrics m = CollapseMetrics.measure(features, labels, classes, weights, bias,
                    CollapseMetrics.Options.DEFAULT.withCosineMargins(true));
            return new Final(m.values(), m.cosineMargins());
        }
    };
}
