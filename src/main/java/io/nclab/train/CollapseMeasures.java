package io.nclab.train;

import io.nclab.metrics.CollapseMetrics;

/** The NC engine as the trainer's probes call it: every metric of {@link CollapseMetrics}, one implementation. */
final class CollapseMeasures {
    private CollapseMeasures() {}

    static final Trainer.CollapseProbe ENGINE =
            (features, labels, classes, weights, bias) -> CollapseMetrics.measure(features, labels, classes, weights,
                    bias).values();
}
