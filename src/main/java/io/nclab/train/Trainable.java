package io.nclab.train;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import io.nclab.nd.Nd;

/**
 * A parameter the optimiser updates: its array (with a gradient attached) and its own coupled-L2 weight
 * decay λ, whose gradient λθ the optimiser adds (PyTorch's {@code weight_decay}).
 */
public record Trainable(String name, NDArray value, double decay) {

    /** The accumulated gradient, as a new handle the caller closes. */
    public NDArray gradient() {
        return value.getGradient();
    }

    /** ∇ + λθ: the accumulated gradient with the coupled-L2 term added in place, a new handle the caller closes. */
    public NDArray decayedGradient() {
        NDArray g = value.getGradient();
        if (decay != 0) {
            Nd.addScaled(g, decay, value);
        }
        return g;
    }

    /** Clears the accumulated gradient (autograd adds into it). */
    public void zeroGradient() {
        if (value instanceof PtNDArray) {
            JniUtils.zeroGrad((PtNDArray) value);
        } else {
            try (NDArray g = value.getGradient()) {
                g.subi(g);
            }
        }
    }
}
