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
    void aConfigurationsArgumentsMakeTheSameConfigurationAgain() {
        java.util.List<TrainConfig> configs = java.util.List.of(
                TrainConfig.defaults(),
                config("--out", "runs/a b", "--seed", "7"),
                config("--optimizer", "sgd"),
                config("--optimizer", "sgd", "--lr", "0.02", "--nesterov", "--momentum", "0.95"),
                config("--optimizer", "adam", "--lr", "0.01", "--loss", "mse:alpha=1,m=15", "--weight-decay", "0",
                        "--clip", "0", "--epochs", "4", "--batch-size", "32"),
                config("--no-bias", "--no-batch-norm", "--feature-dim", "3", "--fixed-etf", "--width", "0.25",
                        "--depth", "2", "--no-initial-probe", "--threads", "2", "--per-class", "20"),
                config("--schedule", "step", "--step-every", "3", "--imbalance", "10", "--imbalance-profile", "exp",
                        "--random-labels", "0.5", "--val-fraction", "0", "--feature-decay", "--lambda-h", "1e-3",
                        "--analytic-gradient", "--probe-every", "2", "--keep-checkpoints", "5"),
                config("--model", "resnet18", "--dataset", "cifar10", "--data-dir", "/data/c10", "--no-augment"),
                config("--model", "wrn50", "--augment", "--optimizer", "lbfgs", "--lbfgs-history", "5"));
        for (TrainConfig c : configs) {
            java.util.List<String> args = c.arguments();
            assertEquals(c, config(args.toArray(String[]::new)), String.join(" ", args));
        }
        assertEquals(java.util.List.of("--optimizer", "sgd"), config("--optimizer", "sgd").arguments(),
                "only what differs from the defaults, and no rate where the optimizer's own is used");
        assertEquals(java.util.List.of("--weight-decay", "0.001", "--schedule", "step"),
                config("--schedule", "step", "--weight-decay", "1e-3").arguments());
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
        assertTrue(flat.contains("Default: sgd for the ResNets, adam for mlp."), help);
        assertTrue(flat.contains("Default: " + TrainConfig.MLP_BATCH + " for mlp"), help);
        assertTrue(flat.contains("Default: multistep for the ResNets, " + TrainConfig.MLP_SCHEDULE + " for mlp."), help);
        // --per-class 0 is every sample, as it is left out (TrainConfig); the help says so
        assertTrue(flat.contains("Training samples per class n, 0 for all. Default: all."), help);
        assertEquals(0, config("--per-class", "0").perClass());
        assertEquals(config(), config("--per-class", "0"));
    }
}
