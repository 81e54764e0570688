package io.nclab.train;

import io.nclab.metrics.CollapseMetrics;

/** The NC engine as the trainer's probes call it: every metric of {@link CollapseMetrics}, one implementation. */
final class CollapseMeasures {
    private CollapseMeasures() {}

    /** The NC engine (io.nclab.metrics) on the probe's clean training features and the classifier. */
    static final Trainer.CollapseProbe ENGINE = (features, labels, classes, weights, bias) ->
            CollapseMetrics.measure(features, labels, classes, weights, bias).values();
}
