package io.nclab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nclab.model.Architecture;
import io.nclab.train.TrainConfig;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code nclab train}'s options resolve to the documented defaults, per architecture. */
class TrainDefaultsTest {
    private static TrainConfig config(String... args) {
        TrainCommand cmd = new TrainCommand();
        new CommandLine(cmd).parseArgs(args);
        return cmd.config();
    }

    @Test
    void theModelPicksItsDefaultRateAndScheduleAndFlagsOverrideThem() {
        assertEquals(TrainConfig.defaults(Architecture.MLP), config());
        assertEquals(TrainConfig.defaults(Architecture.MLP), config("--model", "mlp"));
        assertEquals(TrainConfig.MLP_LR, config("--model", "mlp").lr());
        // another optimizer brings its own default rate; a given --lr wins
        assertEquals(TrainConfig.MLP_SGD_LR, config("--optimizer", "sgd").lr());
        assertEquals(TrainConfig.MLP_SGD_LR, config("--optimizer", "lbfgs").lr());
        assertEquals(0.02, config("--optimizer", "sgd", "--lr", "0.02").lr());
        assertEquals(TrainConfig.RESNET_ADAM_LR, config("--model", "resnet18", "--optimizer", "adam").lr());
        assertEquals(0.9, config("--optimizer", "sgd", "--momentum", "0.9").momentum());
        TrainConfig resnet = config("--model", "resnet18");
        assertEquals(0.1, resnet.lr());
        assertEquals(TrainConfig.Schedule.MULTISTEP, resnet.schedule());
        TrainConfig paper = config("--lr", "0.05", "--model", "mlp", "--schedule", "multistep");
        assertEquals(0.05, paper.lr());
        assertEquals(TrainConfig.Schedule.MULTISTEP, paper.schedule());
        assertTrue(config().initialProbe(), "the untrained network is probed by default");
        assertEquals(false, config("--no-initial-probe").initialProbe());
    }

    @Test
    void helpStatesTheDefaults() {
        String help = new CommandLine(new TrainCommand()).getUsageMessage();
        String flat = help.replaceAll("\\s+", " ");
        // the help's rates are written out: they must be TrainConfig's
        assertEquals(5e-4, TrainConfig.MLP_LR);
        assertEquals(0.01, TrainConfig.MLP_SGD_LR);
        assertEquals(0.1, TrainConfig.RESNET_LR);
        assertEquals(1e-3, TrainConfig.RESNET_ADAM_LR);
        assertTrue(flat.contains("mlp 5e-4 with adam, 0.01 with sgd or lbfgs; the ResNets 0.1 with sgd or lbfgs,"
                + " 1e-3 with adam"), help);
        assertTrue(flat.contains("adam (default for mlp)"), help);
        assertTrue(flat.contains("default " + TrainConfig.MLP_BATCH + " for mlp"), help);
        assertTrue(help.contains("default for mlp: " + TrainConfig.MLP_SCHEDULE), help);
    }
}
