package io.nclab.model;

import io.nclab.UserError;

/**
 * What network to build: a feature extractor with penultimate features h ∈ R^d, then a linear classifier
 * z = W h + b (W K×d, learned or a fixed simplex ETF; b optional).
 *
 * @param width the width multiplier X: MLP 1024·X hidden units, ResNet18 64·X base channels, WideResNet-50
 *     64·X inner channels in the first bottleneck stage (X = 2 is WideResNet-50-2)
 * @param depth hidden layers of the MLP (ignored by the ResNets)
 * @param featureDim d, the penultimate dimension; 0 keeps the architecture's own
 * @param batchNorm batch normalisation in the MLP (the ResNets always have it)
 */
public record ModelSpec(Architecture architecture, double width, int depth, int featureDim, boolean fixedEtf,
        boolean bias, boolean batchNorm) {

    public ModelSpec {
        if (!(width > 0) || Double.isInfinite(width)) {
            throw new UserError("--width must be a positive multiplier, got " + width);
        }
        // the narrowest layer's units (64·X channels of the ResNets, 1024·X MLP units) must round to at least one,
        // and the widest stay a count: --width 1e-9 and 1e300 had both become a network of one unit
        int base = architecture == Architecture.MLP ? 1024 : 64;
        if (base * width < 0.5 || base * width > MAX_UNITS) {
            throw new UserError(String.format(java.util.Locale.ROOT, "--width %s gives %s %s: it must be from %s to %s"
                    + " for %s", io.nclab.io.Csv.plain(width), io.nclab.io.Csv.significant(base * width, 3),
                    architecture == Architecture.MLP ? "hidden units (1024·X)" : "base channels (64·X)",
                    io.nclab.io.Csv.plain(0.5 / base), io.nclab.io.Csv.plain((double) MAX_UNITS / base),
                    architecture.name().toLowerCase(java.util.Locale.ROOT)));
        }
        if (depth < 1 || depth > MAX_DEPTH) {
            throw new UserError("--depth must be from 1 to " + MAX_DEPTH + ", got " + depth);
        }
        if (featureDim < 0 || featureDim > MAX_FEATURE_DIM) {
            throw new UserError(String.format(java.util.Locale.ROOT, "--feature-dim must be from 1 to %,d, got %,d",
                    MAX_FEATURE_DIM, featureDim));
        }
    }

    /**
     * The most MLP hidden layers and the largest feature dimension taken: far beyond any network the papers study, and
     * small enough for the three tiny builds that size a network before it is built ({@code Network.estimatedFootprint})
     * to be cheap; the memory check then refuses what is too large for the machine.
     */
    public static final int MAX_DEPTH = 1000;
    /** The most units (MLP) or base channels (ResNets) a width may give: far beyond what memory holds anyway. */
    public static final int MAX_UNITS = 1_048_576;
    public static final int MAX_FEATURE_DIM = 1_000_000;

    /** In words, for a run's header: "mlp (width 1, depth 3, batch norm)", "wrn50 (width 2)", "+ fixed ETF", ... */
    public String describe() {
        StringBuilder b = new StringBuilder(architecture.name().toLowerCase(java.util.Locale.ROOT)).append(" (width ")
                .append(io.nclab.io.Csv.plain(width));
        if (architecture == Architecture.MLP) {
            b.append(", depth ").append(depth).append(batchNorm ? ", batch norm" : ", no batch norm");
        }
        if (fixedEtf) {
            b.append(", fixed simplex-ETF classifier");
        }
        if (!bias) {
            b.append(", no bias");
        }
        return b.append(')').toString();
    }

    /** round(base · X), at least 1. */
    static int scaled(int base, double x) {
        return Math.max(1, (int) Math.round(base * x));
    }
}
