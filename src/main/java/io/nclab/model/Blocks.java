package io.nclab.model;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import java.util.List;

/**
 * The feature extractors, assembled from DJL's {@code ai.djl.nn} blocks. Each maps an image batch
 * (N×C×H×W) to the penultimate features h (N×d), post-ReLU as in the papers' networks.
 */
final class Blocks {
    private Blocks() {}

    /** MLP: flatten, then {@code depth} × (Linear → [BatchNorm] → ReLU); the last layer has d units. */
    static Block mlp(ModelSpec spec) {
        int width = ModelSpec.scaled(1024, spec.width());
        SequentialBlock b = new SequentialBlock().add(ai.djl.nn.Blocks.batchFlattenBlock());
        for (int i = 0; i < spec.depth(); i++) {
            int units = i == spec.depth() - 1 && spec.featureDim() > 0 ? spec.featureDim() : width;
            b.add(Linear.builder().setUnits(units).build());
            if (spec.batchNorm()) {
                b.add(BatchNorm.builder().build());
            }
            b.add(Activation.reluBlock());
        }
        return b;
    }

    /** ResNet18 (He et al. 2016): basic blocks [2, 2, 2, 2] of 64·X, 128·X, 256·X, 512·X channels. */
    static Block resnet18(ModelSpec spec, int imageSize) {
        int base = ModelSpec.scaled(64, spec.width());
        SequentialBlock b = stem(base, imageSize);
        int in = base;
        for (int stage = 0; stage < 4; stage++) {
            int out = base << stage;
            for (int i = 0; i < 2; i++) {
                int stride = stage > 0 && i == 0 ? 2 : 1;
                b.add(residual(basicBranch(out, stride), in, out, stride));
                in = out;
            }
        }
        return head(b, in, spec);
    }

    /**
     * WideResNet-50-X: ResNet-50's bottleneck blocks [3, 4, 6, 3] with the inner (3×3) width of stage s
     * 64·X·2^s and the outer width 256·2^s (Zagoruyko and Komodakis 2016; X = 2 is WideResNet-50-2).
     */
    static Block wrn50(ModelSpec spec, int imageSize) {
        int[] blocks = {3, 4, 6, 3};
        SequentialBlock b = stem(64, imageSize);
        int in = 64;
        for (int stage = 0; stage < 4; stage++) {
            int inner = ModelSpec.scaled(64 << stage, spec.width());
            int out = 256 << stage;
            for (int i = 0; i < blocks[stage]; i++) {
                int stride = stage > 0 && i == 0 ? 2 : 1;
                b.add(residual(bottleneckBranch(inner, out, stride), in, out, stride));
                in = out;
            }
        }
        return head(b, in, spec);
    }

    /** CIFAR stem (3×3 conv, stride 1, no pooling) for images up to 32 pixels, else the ImageNet stem. */
    private static SequentialBlock stem(int channels, int imageSize) {
        SequentialBlock b = new SequentialBlock();
        if (imageSize <= 32) {
            b.add(conv(channels, 3, 1)).add(BatchNorm.builder().build()).add(Activation.reluBlock());
        } else {
            b.add(conv(channels, 7, 2)).add(BatchNorm.builder().build()).add(Activation.reluBlock())
                    .add(Pool.maxPool2dBlock(new Shape(3, 3), new Shape(2, 2), new Shape(1, 1)));
        }
        return b;
    }

    /** Global average pooling, then (when --feature-dim asks for another d) Linear → BatchNorm → ReLU. */
    private static Block head(SequentialBlock b, int channels, ModelSpec spec) {
        b.add(Pool.globalAvgPool2dBlock()).add(ai.djl.nn.Blocks.batchFlattenBlock());
        if (spec.featureDim() > 0 && spec.featureDim() != channels) {
            b.add(Linear.builder().setUnits(spec.featureDim()).build()).add(BatchNorm.builder().build())
                    .add(Activation.reluBlock());
        }
        return b;
    }

    static int nativeFeatureDim(ModelSpec spec) {
        if (spec.featureDim() > 0) {
            return spec.featureDim();
        }
        switch (spec.architecture()) {
            case MLP:
                return ModelSpec.scaled(1024, spec.width());
            case RESNET18:
                return 8 * ModelSpec.scaled(64, spec.width());
            default:
                return 2048;
        }
    }

    private static Conv2d conv(int filters, int kernel, int stride) {
        return Conv2d.builder().setKernelShape(new Shape(kernel, kernel)).optStride(new Shape(stride, stride))
                .optPadding(new Shape(kernel / 2, kernel / 2)).setFilters(filters).optBias(false).build();
    }

    private static SequentialBlock basicBranch(int out, int stride) {
        return new SequentialBlock().add(conv(out, 3, stride)).add(BatchNorm.builder().build())
                .add(Activation.reluBlock()).add(conv(out, 3, 1)).add(BatchNorm.builder().build());
    }

    private static SequentialBlock bottleneckBranch(int inner, int out, int stride) {
        return new SequentialBlock().add(conv(inner, 1, 1)).add(BatchNorm.builder().build())
                .add(Activation.reluBlock()).add(conv(inner, 3, stride)).add(BatchNorm.builder().build())
                .add(Activation.reluBlock()).add(conv(out, 1, 1)).add(BatchNorm.builder().build());
    }

    /** relu(branch(x) + shortcut(x)); the shortcut is a 1×1 convolution where the shape changes. */
    private static Block residual(Block branch, int in, int out, int stride) {
        Block shortcut = in == out && stride == 1
                ? ai.djl.nn.Blocks.identityBlock()
                : new SequentialBlock().add(conv(out, 1, stride)).add(BatchNorm.builder().build());
        return new SequentialBlock()
                .add(new ParallelBlock(list -> new NDList(list.get(0).singletonOrThrow()
                        .add(list.get(1).singletonOrThrow())), List.of(branch, shortcut)))
                .add(Activation.reluBlock());
    }
}
