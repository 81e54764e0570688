package io.nclab.model;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.XavierInitializer;
import ai.djl.util.Pair;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A feature extractor followed by a linear classifier, z = W h + b, so that the penultimate features h
 * are always at hand. Parameters live in the manager given at construction (float32).
 */
public final class Network {
    private final ModelSpec spec;
    private final Block features;
    private final Linear classifier;
    private final int classes;
    private final int featureDim;

    /** The logits z (N×K) and the penultimate features h (N×d) of one forward pass. */
    public record Output(NDArray logits, NDArray features) {}

    private Network(ModelSpec spec, Block features, Linear classifier, int classes, int featureDim) {
        this.spec = spec;
        this.features = features;
        this.classifier = classifier;
        this.classes = classes;
        this.featureDim = featureDim;
    }

    /**
     * Builds and initialises the network for images C×H×W and K classes. Weights are drawn from the
     * engine's random generator (seed it first): the weights of convolutions and linear layers U(±1/√fan_in),
     * PyTorch's default for both (what the losses paper's code trains from), biases zero; a fixed classifier is the
     * simplex ETF of {@link SimplexEtf}.
     */
    public static Network build(ModelSpec spec, int channels, int height, int width, int classes, NDManager manager) {
        Block features;
        switch (spec.architecture()) {
            case MLP:
                features = Blocks.mlp(spec);
                break;
            case RESNET18:
                features = Blocks.resnet18(spec, Math.max(height, width));
                break;
            default:
                features = Blocks.wrn50(spec, Math.max(height, width));
                break;
        }
        int d = Blocks.nativeFeatureDim(spec);
        checkFixedEtf(spec, classes); // refuses d < K − 1 before anything is built
        initializers(features);
        Linear classifier = Linear.builder().setUnits(classes).optBias(spec.bias()).build();
        initializers(classifier);
        features.initialize(manager, DataType.FLOAT32, new Shape(1, channels, height, width));
        classifier.initialize(manager, DataType.FLOAT32, new Shape(1, d));
        if (spec.fixedEtf()) {
            Parameter w = classifier.getParameters().get("weight");
            try (NDArray etf = manager.create(SimplexEtf.rowMajor(classes, d), new Shape(classes, d))) {
                io.nclab.nd.Nd.copyInto(etf, w.getArray());
            }
            w.freeze(true);
        }
        return new Network(spec, features, classifier, classes, d);
    }

    /**
     * What training {@code spec} takes in memory, about: its trainable parameters, and the bytes of the outputs a
     * training forward pass keeps per sample (every layer's output stays alive for the backward pass; the backward pass
     * adds transient gradients of about a fifth of that on top: WideResNet-50 ×0.25 on 32×32 images keeps 36.8 MB a
     * sample, and its peak resident memory grows by 43.7 MB a sample of the batch).
     */
    public record Footprint(double parameters, double activationBytesPerSample) {}

    /**
     * {@link Footprint} without building {@code spec}: its layers' sizes are linear in the width X, so the parameter
     * count is a quadratic in X, and so (at most) is the activations' size; both are taken from three tiny builds
     * (X = 1/64, 2/64, 3/64, where every scaled width is a whole number), each run forward once on two images, and
     * evaluated at X. The count is exact for the standard architectures (and wherever 64·X is whole and the tiny
     * builds have the same layers: a --feature-dim equal to the native dimension adds a projection to them but not to
     * the real one); both are estimates for refusing a run too large to hold before it is built (a typo such as
     * --width 64, or a batch too large for the memory). The classifier is counted as learned. Draws from the engine's
     * random generator, so call it before seeding the real build.
     */
    public static Footprint estimatedFootprint(ModelSpec spec, int channels, int height, int width, int classes) {
        // the tiny builds do not depend on the width: a sweep over widths builds them once
        List<Object> key = List.of(spec.architecture(), spec.depth(), spec.featureDim(), spec.bias(), spec.batchNorm(),
                channels, height, width, classes);
        double[][] tiny = TINY_BUILDS.computeIfAbsent(key, k -> tinyBuilds(spec, channels, height, width, classes));
        return new Footprint(quadratic(TINY_WIDTHS, tiny[0], spec.width()), quadratic(TINY_WIDTHS, tiny[1], spec.width()));
    }

    private static final double[] TINY_WIDTHS = {1 / 64.0, 2 / 64.0, 3 / 64.0};
    private static final java.util.Map<List<Object>, double[][]> TINY_BUILDS =
            new java.util.concurrent.ConcurrentHashMap<>();

    /** The parameters and the bytes kept per sample at each of {@link #TINY_WIDTHS}. */
    private static double[][] tinyBuilds(ModelSpec spec, int channels, int height, int width, int classes) {
        double[] p = new double[3];
        double[] a = new double[3];
        try (NDManager m = io.nclab.nd.Nd.newManager()) {
            for (int i = 0; i < 3; i++) {
                ModelSpec tiny = new ModelSpec(spec.architecture(), TINY_WIDTHS[i], spec.depth(), spec.featureDim(),
                        false, spec.bias(), spec.batchNorm());
                Network net = build(tiny, channels, height, width, classes, m);
                p[i] = net.trainableParameters();
                try (NDManager step = m.newSubManager()) {
                    NDArray images = step.ones(new Shape(2, channels, height, width));
                    net.forward(new ParameterStore(step, false), images, true);
                    long bytes = 0;
                    for (NDArray kept : step.getManagedArrays()) {
                        if (kept != images) {
                            bytes += kept.size() * kept.getDataType().getNumOfBytes();
                        }
                    }
                    a[i] = bytes / 2.0;
                }
            }
        }
        return new double[][] {p, a};
    }

    /** The quadratic through (x_i, y_i), i = 0, 1, 2, at t (Lagrange's form). */
    private static double quadratic(double[] x, double[] y, double t) {
        double total = 0;
        for (int i = 0; i < 3; i++) {
            double l = y[i];
            for (int j = 0; j < 3; j++) {
                if (j != i) {
                    l *= (t - x[j]) / (x[i] - x[j]);
                }
            }
            total += l;
        }
        return total;
    }

    /** Refuses (one line) a fixed simplex-ETF classifier that does not fit the model's feature dimension. */
    public static void checkFixedEtf(ModelSpec spec, int classes) {
        if (spec.fixedEtf()) {
            SimplexEtf.check(classes, Blocks.nativeFeatureDim(spec));
        }
    }

    /**
     * PyTorch's default U(±1/√fan_in) for the weights of convolutions and linear layers, throughout the tree. He-normal
     * convolutions (√6 times wider) gave an untrained ResNet's epoch-0 probe, whose batch norm still holds its initial
     * statistics, a CE loss of 5–140 where log K is expected (an audit's find), and a smaller effective step under
     * weight decay than the papers' code.
     */
    private static void initializers(Block block) {
        if (block instanceof Conv2d || block instanceof Linear) {
            block.setInitializer(new XavierInitializer(XavierInitializer.RandomType.UNIFORM,
                    XavierInitializer.FactorType.IN, 1), Parameter.Type.WEIGHT);
        }
        for (Pair<String, Block> child : block.getChildren()) {
            initializers(child.getValue());
        }
    }

    public ModelSpec spec() {
        return spec;
    }

    public int classes() {
        return classes;
    }

    public int featureDim() {
        return featureDim;
    }

    public Output forward(ParameterStore store, NDArray images, boolean training) {
        NDList h = training || !(features instanceof SequentialBlock seq) ? features.forward(store,
                new NDList(images), training) : new NDList(inferBlockByBlock(store, seq, images));
        NDList z = classifier.forward(store, h, training);
        return new Output(z.singletonOrThrow(), h.singletonOrThrow());
    }

    /**
     * Inference through the feature extractor's blocks one at a time, each in a scope of its own that keeps only
     * the block's output (the same operations in the same order as one forward call). DJL keeps every array an
     * operation makes until its manager closes, so one forward call held all of a batch's intermediate activations
     * at once: 4 GB for 100 test images through WideResNet-50 ×0.25, most of a probe's time spent faulting that
     * memory in. The result belongs to the images' manager.
     */
    private static NDArray inferBlockByBlock(ParameterStore store, SequentialBlock seq, NDArray images) {
        NDManager home = images.getManager();
        NDArray x = images;
        for (Block child : seq.getChildren().values()) {
            NDArray y;
            try (NDManager step = home.newSubManager()) {
                // the operations' results join their first operand's manager: the step's, while x visits it
                step.tempAttachAll(x);
                y = child.forward(store, new NDList(x), false).singletonOrThrow();
                y.attach(home);
            }
            if (x != images && y != x) {
                x.close();
            }
            x = y;
        }
        return x;
    }

    /** Every parameter, features first, with its hierarchical name (running statistics included). */
    public List<Pair<String, Parameter>> parameters() {
        List<Pair<String, Parameter>> out = new ArrayList<>();
        for (Pair<String, Parameter> p : features.getParameters()) {
            out.add(new Pair<>("features." + p.getKey(), p.getValue()));
        }
        for (Pair<String, Parameter> p : classifier.getParameters()) {
            out.add(new Pair<>("classifier." + p.getKey(), p.getValue()));
        }
        return out;
    }

    /** Scalars the optimiser updates: not batch norm's running statistics, nor a fixed ETF classifier. */
    public long trainableParameters() {
        long n = 0;
        for (Pair<String, Parameter> p : parameters()) {
            if (p.getValue().requiresGradient()) {
                n += p.getValue().getArray().getShape().size();
            }
        }
        return n;
    }

    /** The classifier W (K×d). */
    public NDArray classifierWeight() {
        return classifier.getParameters().get("weight").getArray();
    }

    /** The classifier bias b (K), or null without one. */
    public NDArray classifierBias() {
        return spec.bias() ? classifier.getParameters().get("bias").getArray() : null;
    }

    /** Whether a parameter belongs to the classifier (W or b), for the UFM-style split of weight decay. */
    public static boolean isClassifierWeight(String name) {
        return name.equals("classifier.weight");
    }

    public static boolean isClassifierBias(String name) {
        return name.equals("classifier.bias");
    }

    public void save(DataOutputStream out) throws IOException {
        features.saveParameters(out);
        classifier.saveParameters(out);
    }

    public void load(NDManager manager, DataInputStream in) throws IOException {
        List<Pair<String, Parameter>> all = parameters();
        Shape[] built = new Shape[all.size()];
        for (int i = 0; i < built.length; i++) {
            built[i] = all.get(i).getValue().getArray().getShape();
        }
        try {
            features.loadParameters(manager, in);
            classifier.loadParameters(manager, in);
        } catch (MalformedModelException e) {
            throw new IOException("not the parameters of this network, or a damaged file (" + e.getMessage() + ")", e);
        } catch (RuntimeException e) {
            // DJL's decoder reads a damaged file's bytes as shapes and sizes (NegativeArraySizeException, say)
            throw new IOException("a damaged file: its parameters cannot be decoded (" + e.getClass().getSimpleName()
                    + ")", e);
        }
        // DJL takes arrays of any shape: parameters saved from another width would load, and train on, silently
        for (int i = 0; i < built.length; i++) {
            Shape read = all.get(i).getValue().getArray().getShape();
            if (!read.equals(built[i])) {
                throw new IOException("the parameters do not fit this network: " + all.get(i).getKey() + " is "
                        + read + " in the file, " + built[i] + " in the network of " + spec.describe()
                        + " (saved from another configuration?)");
            }
        }
        if (spec.fixedEtf()) {
            classifier.getParameters().get("weight").freeze(true);
        }
        for (Pair<String, Parameter> p : parameters()) {
            if (p.getValue().requiresGradient()) {
                p.getValue().getArray().setRequiresGradient(true);
            }
        }
    }
}
