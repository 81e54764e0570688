package io.nclab.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nclab.model.Architecture;
import org.junit.jupiter.api.Test;

/** The defaults resolve as the README's training table and {@code train --help} document them. */
class TrainConfigTest {
    @Test
    void everyArchitectureSharesTheLossesPapersRegularisationAndLength() {
        for (Architecture a : Architecture.values()) {
            TrainConfig c = TrainConfig.defaults(a);
            assertEquals(a, c.model().architecture());
            assertEquals(0.9, c.momentum(), a.name());
            assertEquals(5e-4, c.weightDecay(), a.name());
            assertEquals(2.0, c.clip(), a.name());
            assertEquals(30, c.epochs(), a.name());
            assertEquals(0.1, c.valFraction(), a.name());
            assertEquals(1, c.probeEvery(), a.name());
        }
    }

    @Test
    void theResNetsFollowTheLossesPaperAndTheMlpHasItsOwnOptimizerRateBatchAndSchedule() {
        for (Architecture a : new Architecture[] {Architecture.RESNET18, Architecture.WRN50}) {
            TrainConfig c = TrainConfig.defaults(a);
            assertEquals(TrainConfig.OptimizerKind.SGD, c.optimizer(), a.name());
            assertEquals(0.1, c.lr(), a.name());
            assertEquals(128, c.batchSize(), a.name());
            assertEquals(TrainConfig.Schedule.MULTISTEP, c.schedule(), a.name());
            assertEquals(1e-3, TrainConfig.defaultLr(a, TrainConfig.OptimizerKind.ADAM), a.name());
        }
        TrainConfig mlp = TrainConfig.defaults(Architecture.MLP);
        assertEquals(TrainConfig.OptimizerKind.ADAM, mlp.optimizer());
        assertEquals(5e-4, mlp.lr());
        assertEquals(64, mlp.batchSize());
        assertEquals(0.01, TrainConfig.defaultLr(Architecture.MLP, TrainConfig.OptimizerKind.SGD));
        assertEquals(TrainConfig.Schedule.COSINE, mlp.schedule());
        assertEquals(mlp, TrainConfig.defaults());
        assertEquals(1024 * 3, (int) (mlp.model().width() * 1024) * mlp.model().depth());
        assertEquals(true, mlp.model().batchNorm());
    }

    @Test
    void multistepDropsTenfoldAtAThirdAndTwoThirdsOfTheEpochs() {
        double[] lr = new double[30];
        for (int e = 0; e < 30; e++) {
            lr[e] = TrainConfig.Schedule.MULTISTEP.lr(1.0, e, 30, 10);
        }
        assertEquals(1.0, lr[9]);
        assertEquals(0.1, lr[10], 1e-15);
        assertEquals(0.1, lr[19], 1e-15);
        assertEquals(0.01, lr[20], 1e-15);
        assertEquals(0.01, lr[29], 1e-15);
        assertEquals(1.0, TrainConfig.Schedule.COSINE.lr(1.0, 0, 30, 10));
        assertEquals(0.5, TrainConfig.Schedule.COSINE.lr(1.0, 15, 30, 10), 1e-15);
    }
}
