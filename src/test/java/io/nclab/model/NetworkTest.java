package io.nclab.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.nclab.UserError;
import io.nclab.nd.Nd;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class NetworkTest {

    @Test
    void simplexEtfHasUnitRowsAndEqualNegativeAngles() {
        for (int[] kd : new int[][] {{10, 9}, {10, 10}, {4, 16}, {2, 1}}) {
            int k = kd[0];
            int d = kd[1];
            float[] w = SimplexEtf.rowMajor(k, d);
            for (int i = 0; i < k; i++) {
                for (int j = 0; j < k; j++) {
                    double dot = 0;
                    for (int c = 0; c < d; c++) {
                        dot += (double) w[i * d + c] * w[j * d + c];
                    }
                    assertEquals(i == j ? 1.0 : -1.0 / (k - 1), dot, 1e-6, k + "x" + d + " (" + i + "," + j + ")");
                }
            }
        }
        UserError e = assertThrows(UserError.class, () -> SimplexEtf.rowMajor(10, 8));
        for (int[] kd : new int[][] {{10, 9}, {5, 4}, {2, 1}}) {
            double[] w = SimplexEtf.rowMajorDouble(kd[0], kd[1]);
            double[] plain = SimplexEtf.rowMajorDouble(kd[0], kd[0]);
            double[][] gram = new double[kd[0]][kd[0]];
            for (int i = 0; i < kd[0]; i++) {
                for (int j = 0; j < kd[0]; j++) {
                    for (int c = 0; c < kd[1]; c++) {
                        gram[i][j] += w[i * kd[1] + c] * w[j * kd[1] + c];
                    }
                    double expected = 0;
                    for (int c = 0; c < kd[0]; c++) {
                        expected += plain[i * kd[0] + c] * plain[j * kd[0] + c];
                    }
                    assertEquals(expected, gram[i][j], 1e-14, "float64 frame " + kd[0] + "x" + kd[1]);
                }
            }
        }
        assertTrue(e.getMessage().contains("--fixed-etf") && !e.getMessage().contains("\n"), e.getMessage());
    }

    /** The class that z = W h predicts, W the frame of K classes in d dimensions. */
    private static int predicted(int k, int d, double[] h) {
        double[] w = SimplexEtf.rowMajorDouble(k, d);
        int best = -1;
        double top = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < k; i++) {
            double z = 0;
            for (int c = 0; c < d; c++) {
                z += w[i * d + c] * h[c];
            }
            if (z > top + 1e-12) {
                top = z;
                best = i;
            }
        }
        return best;
    }

    @Test
    void everyClassOfTheFixedFrameIsPredictedSomewhereOnNonNegativeFeatures() {
        // ReLU features are >= 0: the frame must leave every class a region in the non-negative orthant.
        for (int[] kd : new int[][] {{10, 10}, {10, 512}, {3, 3}, {100, 128}}) {
            int k = kd[0];
            int d = kd[1];
            for (int c = 0; c < k; c++) {
                double[] h = new double[d];
                h[c] = 1;
                assertEquals(c, predicted(k, d, h), k + "x" + d + ": h = e_" + c);
            }
            // and the collapsed non-negative means alpha e_k + beta 1 sit in W's null space at their mean
            double[] ones = new double[d];
            Arrays.fill(ones, 0, k, 1.0);
            double[] w = SimplexEtf.rowMajorDouble(k, d);
            for (int i = 0; i < k; i++) {
                double z = 0;
                for (int c = 0; c < d; c++) {
                    z += w[i * d + c] * ones[c];
                }
                assertEquals(0, z, 1e-12);
            }
        }
        // d = K - 1: every class for K >= 5 (e_k for the first K - 1 classes, the all-ones feature for the last)
        for (int k : new int[] {5, 10, 100}) {
            for (int c = 0; c < k - 1; c++) {
                double[] h = new double[k - 1];
                h[c] = 1;
                assertEquals(c, predicted(k, k - 1, h), k + "x" + (k - 1) + ": h = e_" + c);
            }
            double[] all = new double[k - 1];
            Arrays.fill(all, 1.0);
            assertEquals(k - 1, predicted(k, k - 1, all));
        }
    }

    @Test
    void mlpGivesLogitsAndFeaturesOfTheAskedSizes() {
        try (NDManager m = Nd.newManager()) {
            ModelSpec spec = new ModelSpec(Architecture.MLP, 0.0625, 2, 12, false, false, true);
            Network net = Network.build(spec, 1, 6, 5, 4, m);
            NDArray x = m.randomNormal(new Shape(3, 1, 6, 5));
            Network.Output o = net.forward(new ParameterStore(m, false), x, false);
            assertEquals(new Shape(3, 4), o.logits().getShape());
            assertEquals(new Shape(3, 12), o.features().getShape());
            assertEquals(12, net.featureDim());
            assertNull(net.classifierBias());
            // z = W h: the classifier is the only thing between features and logits
            NDArray z = o.features().matMul(net.classifierWeight().transpose());
            assertTrue(z.allClose(o.logits(), 1e-5, 1e-5, false));
        }
    }

    @Test
    void fixedEtfClassifierIsFrozenAndRefusesSmallFeatureDimensions() {
        try (NDManager m = Nd.newManager()) {
            ModelSpec spec = new ModelSpec(Architecture.MLP, 0.01, 1, 5, true, true, false);
            Network net = Network.build(spec, 1, 4, 4, 5, m);
            assertFalse(net.parameters().stream().filter(p -> p.getKey().equals("classifier.weight"))
                    .findFirst().orElseThrow().getValue().requiresGradient());
            float[] w = net.classifierWeight().toFloatArray();
            float[] etf = SimplexEtf.rowMajor(5, 5);
            for (int i = 0; i < w.length; i++) {
                assertEquals(etf[i], w[i], 1e-7);
            }
            ModelSpec small = new ModelSpec(Architecture.MLP, 0.01, 1, 3, true, true, false);
            assertThrows(UserError.class, () -> Network.build(small, 1, 4, 4, 5, m));
        }
    }

    /**
     * The architectures against their standard definitions, counted by hand (and by PyTorch): the CIFAR ResNet18
     * (3×3 stem, no max-pool) with 10 classes has 11,173,962 trainable parameters; at 64 pixels, with the ImageNet
     * stem and 1000 classes, torchvision's resnet18 has 11,689,512 and wide_resnet50_2 68,883,240.
     */
    @Test
    void parameterCountsAreTheStandardArchitectures() {
        try (NDManager m = Nd.newManager()) {
            assertEquals(11_173_962L, Network.build(new ModelSpec(Architecture.RESNET18, 1, 1, 0, false, true, true), 3,
                    32, 32, 10, m).trainableParameters());
            assertEquals(11_689_512L, Network.build(new ModelSpec(Architecture.RESNET18, 1, 1, 0, false, true, true), 3,
                    64, 64, 1000, m).trainableParameters());
        }
        try (NDManager m = Nd.newManager()) {
            assertEquals(68_883_240L, Network.build(new ModelSpec(Architecture.WRN50, 2, 1, 0, false, true, true), 3,
                    64, 64, 1000, m).trainableParameters());
        }
    }

    /** The estimate from three tiny builds is the standard architectures' count, exactly (a quadratic in X). */
    @Test
    void estimatedParameterCountsAreExact() {
        assertEquals(11_173_962, Network.estimatedFootprint(new ModelSpec(Architecture.RESNET18, 1, 1, 0, false, true,
                true), 3, 32, 32, 10).parameters(), 1e-3);
        assertEquals(68_883_240, Network.estimatedFootprint(new ModelSpec(Architecture.WRN50, 2, 1, 0, false, true,
                true), 3, 64, 64, 1000).parameters(), 1e-3);
        try (NDManager m = Nd.newManager()) {
            ModelSpec mlp = new ModelSpec(Architecture.MLP, 0.75, 4, 0, false, true, false);
            assertEquals(Network.build(mlp, 1, 28, 28, 10, m).trainableParameters(),
                    Network.estimatedFootprint(mlp, 1, 28, 28, 10).parameters(), 1e-3);
        }
    }

    /**
     * The layer outputs a training forward pass keeps: for the MLP, counted by hand (the flattened image, then a linear
     * layer, batch norm and ReLU of 1024·X units per layer, then the K logits); for ResNet18 and WideResNet-50 the
     * estimate from the tiny builds is what a build at that width keeps (the sizes are linear in the width).
     */
    @Test
    void estimatedActivationsAreWhatAForwardPassKeeps() {
        ModelSpec mlp = new ModelSpec(Architecture.MLP, 1, 3, 0, false, true, true);
        assertEquals((784 + 3 * 3 * 1024 + 10) * 4.0, Network.estimatedFootprint(mlp, 1, 28, 28, 10)
                .activationBytesPerSample(), 1e-6);
        for (ModelSpec spec : List.of(new ModelSpec(Architecture.RESNET18, 0.5, 1, 0, false, true, true),
                new ModelSpec(Architecture.WRN50, 0.25, 1, 0, false, true, true))) {
            double kept;
            try (NDManager m = Nd.newManager(); NDManager step = m.newSubManager()) {
                Network net = Network.build(spec, 3, 32, 32, 10, m);
                NDArray images = step.zeros(new Shape(4, 3, 32, 32));
                net.forward(new ParameterStore(step, false), images, true);
                kept = step.getManagedArrays().stream().filter(a -> a != images)
                        .mapToDouble(a -> a.size() * 4.0).sum() / 4;
            }
            assertEquals(kept, Network.estimatedFootprint(spec, 3, 32, 32, 10).activationBytesPerSample(), 1e-6 * kept,
                    spec.toString());
        }
    }

    @Test
    void badSpecsAreUserErrors() {
        assertThrows(UserError.class, () -> new ModelSpec(Architecture.MLP, 0, 3, 0, false, true, true));
        assertThrows(UserError.class, () -> new ModelSpec(Architecture.MLP, 1, 0, 0, false, true, true));
        UserError e = assertThrows(UserError.class, () -> Architecture.parse("vgg16"));
        assertTrue(e.getMessage().contains("unknown model 'vgg16'"));
    }

    /**
     * Inference goes through the feature extractor block by block and keeps no intermediate activation: the images'
     * manager ends up holding only the images and the two outputs, and an MLP without batch norm computes what one
     * training-mode forward call does (that call takes the whole block; the ResNets always have batch norm).
     */
    @Test
    void inferenceBlockByBlockGivesTheWholeForwardAndKeepsNoIntermediates() {
        for (Architecture a : new Architecture[] {Architecture.MLP, Architecture.RESNET18}) {
            try (NDManager m = Nd.newManager()) {
                ai.djl.engine.Engine.getEngine("PyTorch").setRandomSeed(3);
                ModelSpec spec = new ModelSpec(a, 0.0625, 3, 0, false, true, false);
                Network net = Network.build(spec, 3, 8, 8, 4, m);
                ParameterStore store = new ParameterStore(m, false);
                try (NDManager batch = m.newSubManager()) {
                    NDArray x = batch.randomNormal(new Shape(5, 3, 8, 8));
                    Network.Output inference = net.forward(store, x, false);
                    assertEquals(3, batch.getManagedArrays().size(), a + ": images, features and logits only");
                    if (a != Architecture.MLP) {
                        continue;
                    }
                    try (NDManager whole = m.newSubManager()) {
                        NDArray y = x.duplicate();
                        y.attach(whole);
                        Network.Output training = net.forward(store, y, true);
                        assertTrue(Arrays.equals(training.features().toFloatArray(),
                                inference.features().toFloatArray()), a + ": features");
                        assertTrue(Arrays.equals(training.logits().toFloatArray(), inference.logits().toFloatArray()),
                                a + ": logits");
                    }
                }
            }
        }
    }

    /** A width whose layers round to no unit, or past any count, is refused: it had become a one-unit network. */
    @Test
    void aWidthOutsideItsRangeIsRefused() {
        for (double w : new double[] {1e-9, 1e300, 1e160, 0, -1, Double.NaN}) {
            io.nclab.UserError e = org.junit.jupiter.api.Assertions.assertThrows(io.nclab.UserError.class,
                    () -> new ModelSpec(Architecture.MLP, w, 3, 0, false, true, true));
            org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().startsWith("--width"), e.getMessage());
        }
        org.junit.jupiter.api.Assertions.assertThrows(io.nclab.UserError.class,
                () -> new ModelSpec(Architecture.RESNET18, 0.001, 3, 0, false, true, true));
        new ModelSpec(Architecture.MLP, 0.001, 3, 0, false, true, true); // one unit, as asked
        new ModelSpec(Architecture.RESNET18, 0.25, 3, 0, false, true, true);
    }

    /**
     * Convolutions start from PyTorch's default U(±1/√fan_in), as linear layers do, so an untrained ResNet's logits are
     * of order one even before batch norm has statistics (He-normal gave an epoch-0 CE loss of 5 to 140 for log K).
     */
    @Test
    void convolutionsStartFromPyTorchsDefault() {
        try (NDManager m = Nd.newManager()) {
            ai.djl.engine.Engine.getEngine("PyTorch").setRandomSeed(3);
            Network net = Network.build(new ModelSpec(Architecture.RESNET18, 0.25, 3, 0, false, true, true), 3, 32, 32, 10,
                    m);
            int convs = 0;
            for (ai.djl.util.Pair<String, ai.djl.nn.Parameter> p : net.parameters()) {
                NDArray w = p.getValue().getArray();
                if (w.getShape().dimension() != 4) {
                    continue;
                }
                convs++;
                long fanIn = w.getShape().size() / w.getShape().get(0);
                double bound = 1 / Math.sqrt(fanIn);
                double[] v = w.toType(ai.djl.ndarray.types.DataType.FLOAT64, false).toDoubleArray();
                double sq = 0;
                for (double x : v) {
                    org.junit.jupiter.api.Assertions.assertTrue(Math.abs(x) <= bound * (1 + 1e-6), p.getKey());
                    sq += x * x;
                }
                // a uniform draw on ±b has standard deviation b/√3
                assertEquals(bound / Math.sqrt(3), Math.sqrt(sq / v.length), 0.1 * bound, p.getKey());
            }
            assertTrue(convs > 10, "the ResNet's convolutions were looked at: " + convs);
            NDArray x = m.randomUniform(-2f, 2f, new Shape(8, 3, 32, 32));
            double loss = net.forward(new ParameterStore(m, false), x, false).logits().abs().max().getFloat();
            assertTrue(loss < 10, "untrained logits of order one: " + loss);
        }
    }
}
