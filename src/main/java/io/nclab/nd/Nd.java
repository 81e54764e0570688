package io.nclab.nd;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Small conveniences around DJL's NDArray shared by every package: the offline engine, float64
 * arrays from Java arrays and back, one-hot targets, and Frobenius inner products.
 */
public final class Nd {
    private Nd() {}

    static {
        // Nothing is ever downloaded at run time: the CPU natives come from the classpath.
        System.setProperty("ai.djl.offline", "true");
    }

    /** A new root manager on the default device (the CPU unless a GPU is asked for elsewhere). */
    public static NDManager newManager() {
        return NDManager.newBaseManager(Engine.getEngine("PyTorch").defaultDevice(), "PyTorch");
    }

    /** A new root manager on {@code device}. */
    public static NDManager newManager(ai.djl.Device device) {
        return NDManager.newBaseManager(device, "PyTorch");
    }

    /**
     * The most native threads a command takes: four per core, and at least 64 (a run made on a larger machine can be
     * repeated with its count). PyTorch with thousands of threads stalls for minutes and ignores SIGTERM.
     */
    public static int maxThreads() {
        return Math.max(64, 4 * Runtime.getRuntime().availableProcessors());
    }

    /** Refuses (one line) a thread count given as {@code option} that is negative or above {@link #maxThreads}. */
    public static void requireThreads(String option, int n) {
        if (n < 0) {
            throw new io.nclab.UserError(option + " must be >= 0, got " + n);
        }
        if (n > maxThreads()) {
            throw new io.nclab.UserError(String.format(java.util.Locale.ROOT, "%s must be at most %d (four per core of"
                    + " this machine's %d, and at least 64), got %d", option, maxThreads(),
                    Runtime.getRuntime().availableProcessors(), n));
        }
    }

    /** The number of threads native tensor operations use (PyTorch's intra-op threads), which Java work may follow. */
    public static int threads() {
        Engine.getEngine("PyTorch");
        return Math.max(1, ai.djl.pytorch.jni.JniUtils.getNumThreads());
    }

    /** Sets the number of threads native tensor operations use (PyTorch's intra-op threads). */
    public static void setThreads(int n) {
        Engine.getEngine("PyTorch");
        ai.djl.pytorch.jni.JniUtils.setNumThreads(n);
    }

    /** A K×N float64 one-hot matrix Y with Y[labels[i], i] = 1 (the papers' Y). */
    public static NDArray oneHotColumns(NDManager m, int[] labels, int classes) {
        double[] y = new double[classes * labels.length];
        int n = labels.length;
        for (int i = 0; i < n; i++) {
            y[labels[i] * n + i] = 1.0;
        }
        return m.create(y, new Shape(classes, n));
    }

    public static NDArray matrix(NDManager m, double[][] rows) {
        int r = rows.length;
        int c = r == 0 ? 0 : rows[0].length;
        double[] flat = new double[r * c];
        for (int i = 0; i < r; i++) {
            System.arraycopy(rows[i], 0, flat, i * c, c);
        }
        return m.create(flat, new Shape(r, c));
    }

    /** The K×N float64 matrix whose column i is {@code vectors[i]} (each of length K). */
    public static NDArray columns(NDManager m, double[][] vectors) {
        int n = vectors.length;
        int k = n == 0 ? 0 : vectors[0].length;
        double[] flat = new double[k * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < k; j++) {
                flat[j * n + i] = vectors[i][j];
            }
        }
        return m.create(flat, new Shape(k, n));
    }

    public static double[][] toMatrix(NDArray a) {
        long[] s = a.getShape().getShape();
        if (s.length != 2) {
            throw new IllegalArgumentException("expected a matrix, got shape " + a.getShape());
        }
        double[] flat = toDoubles(a);
        int r = (int) s[0];
        int c = (int) s[1];
        double[][] out = new double[r][c];
        for (int i = 0; i < r; i++) {
            System.arraycopy(flat, i * c, out[i], 0, c);
        }
        return out;
    }

    /** The array's values as float64, whatever its dtype. */
    public static double[] toDoubles(NDArray a) {
        if (a.getDataType() == DataType.FLOAT64) {
            return a.toDoubleArray();
        }
        try (NDArray d = a.toType(DataType.FLOAT64, false)) {
            return d.toDoubleArray();
        }
    }

    /**
     * y ← y + c·x in place: fused, without a temporary, where {@link NativeBlas} applies (CPU, contiguous,
     * float32 or float64), else through a temporary c·x.
     */
    public static void addScaled(NDArray y, double c, NDArray x) {
        if (!NativeBlas.axpy(c, x, y)) {
            try (NDArray t = x.mul(c)) {
                y.addi(t);
            }
        }
    }

    /** y ← x in place (same shape; y may be a view): whatever y held, NaN and infinities included, is replaced. */
    public static void copyInto(NDArray x, NDArray y) {
        if (!NativeBlas.copy(x, y)) {
            y.set(new ai.djl.ndarray.index.NDIndex("..."), x);
        }
    }

    /** Frobenius inner product ⟨a, b⟩ as a Java double. */
    public static double dot(NDArray a, NDArray b) {
        try (NDArray fa = a.reshape(-1); NDArray fb = b.reshape(-1); NDArray s = fa.dot(fb)) {
            return scalar(s);
        }
    }

    /** Squared Frobenius norm ‖a‖². */
    public static double sumSquares(NDArray a) {
        return dot(a, a);
    }

    /** The single value of a scalar array as a double, whatever its dtype. */
    public static double scalar(NDArray a) {
        if (a.getDataType() == DataType.FLOAT64) {
            return a.getDouble();
        }
        try (NDArray d = a.toType(DataType.FLOAT64, false)) {
            return d.getDouble();
        }
    }
}
