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
        assertTrue(help.contains("default " + TrainConfig.MLP_LR + " for mlp"), help);
        assertTrue(help.contains("default for mlp: " + TrainConfig.MLP_SCHEDULE), help);
    }
}
