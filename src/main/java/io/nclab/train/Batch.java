package io.nclab.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.nclab.data.BatchAssembler;
import io.nclab.data.ImageData;
import io.nclab.data.Rng;
import io.nclab.nd.Nd;
import java.nio.FloatBuffer;

/**
 * One mini-batch in native memory: images (B×C×H×W float32), the papers' one-hot targets Y (K×B float32)
 * and the labels (B, int32). Assembled on the Java side and copied across in one call per array.
 */
record Batch(NDArray images, NDArray targets, NDArray labels, int size) {

    /** Samples {@code order[from..to)} of the assembler's data; {@code augment} null for clean images. */
    static Batch of(NDManager manager, BatchAssembler assembler, int[] order, int from, int to, Rng augment,
            float[] buffer) {
        ImageData d = assembler.data();
        int b = to - from;
        assembler.assemble(order, from, to, augment, buffer);
        NDArray x = manager.create(FloatBuffer.wrap(buffer, 0, b * d.sampleSize()),
                new Shape(b, d.channels(), d.height(), d.width()));
        int[] labels = new int[b];
        for (int i = 0; i < b; i++) {
            labels[i] = d.labels()[order[from + i]];
        }
        NDArray y;
        try (NDArray y64 = Nd.oneHotColumns(manager, labels, d.classes())) {
            y = y64.toType(DataType.FLOAT32, false);
        }
        return new Batch(x, y, manager.create(labels), b);
    }

    /** How many of the batch's samples the logits (B×K) classify correctly, as a 0-d array. */
    NDArray correct(NDArray logits) {
        try (NDArray arg = logits.argMax(1); NDArray a = arg.toType(DataType.INT32, false); NDArray eq = a.eq(labels)) {
            return eq.toType(DataType.FLOAT32, false).sum();
        }
    }
}
