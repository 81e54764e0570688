package io.nclab.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.nclab.nd.Nd;
import org.junit.jupiter.api.Test;

class AdamTest {

    /** Three steps of the update against the formula written out entry by entry (torch.optim.Adam's). */
    @Test
    void theUpdateIsAdamsFormulaWithBiasCorrection() {
        double[] x = {0.5, -1.25, 2.0, 0.0};
        double[][] grads = {{0.1, -0.3, 2.5, 0.0}, {-0.2, 0.4, 1.5, 1e-3}, {0.05, 0.0, -0.7, 3.0}};
        double lr = 0.01;
        double b1 = 0.9;
        double b2 = 0.999;
        double eps = 1e-8;
        double[] m = new double[4];
        double[] v = new double[4];
        double[] want = x.clone();
        try (NDManager mgr = Nd.newManager()) {
            NDArray ax = mgr.create(x);
            NDArray am = mgr.zeros(ax.getShape(), ax.getDataType());
            NDArray av = mgr.zeros(ax.getShape(), ax.getDataType());
            for (int t = 1; t <= grads.length; t++) {
                double[] g = grads[t - 1];
                for (int i = 0; i < 4; i++) {
                    m[i] = b1 * m[i] + (1 - b1) * g[i];
                    v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
                    double mHat = m[i] / (1 - Math.pow(b1, t));
                    double vHat = v[i] / (1 - Math.pow(b2, t));
                    want[i] -= lr * mHat / (Math.sqrt(vHat) + eps);
                }
                try (NDArray ag = mgr.create(g)) {
                    Adam.update(ax, ag, am, av, t, lr, b1, b2, eps);
                }
                double[] got = ax.toDoubleArray();
                double[] gotM = am.toDoubleArray();
                double[] gotV = av.toDoubleArray();
                for (int i = 0; i < 4; i++) {
                    assertEquals(want[i], got[i], 1e-15, "x, step " + t + ", entry " + i);
                    assertEquals(m[i], gotM[i], 1e-16, "m, step " + t + ", entry " + i);
                    assertEquals(v[i], gotV[i], 1e-16, "v, step " + t + ", entry " + i);
                }
            }
        }
    }
}
