package io.nclab.metrics;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;

/**
 * Rows of float32 or float64 features in CPU memory, read from Java in place and from any number of threads at once:
 * direct views of their memory, one per block of rows below 2^31 bytes (a Java buffer's limit); a strided block
 * becomes a contiguous copy first, owned by this object until it closes. The features must stay open meanwhile.
 * Rows are numbered from the first row viewed. The first pass's class sums ({@link FeatureStats}) and numerical_rank's
 * host route ({@link NumericalRank}) read features this way.
 */
final class HostRows implements AutoCloseable {
    private final NDManager scope;
    private final int dim;
    private final int blockRows;
    private final FloatBuffer[] floats;
    private final DoubleBuffer[] doubles;

    /** Rows per block at most this many elements (tests lower it). */
    static long blockElements = 1L << 27;

    private HostRows(NDArray features, long first, long end) {
        long rows = end - first;
        this.dim = (int) features.getShape().get(1);
        boolean single = features.getDataType() == DataType.FLOAT32;
        this.blockRows = (int) Math.max(1, Math.min(rows, blockElements / Math.max(1, dim)));
        int blocks = (int) ((rows + blockRows - 1) / blockRows);
        this.floats = single ? new FloatBuffer[blocks] : null;
        this.doubles = single ? null : new DoubleBuffer[blocks];
        this.scope = features.getManager().newSubManager();
        try {
            for (int b = 0; b < blocks; b++) {
                NDArray block = features.get(new NDIndex().addSliceDim(first + (long) b * blockRows,
                        first + Math.min(rows, (long) (b + 1) * blockRows)));
                block.attach(scope);
                ByteBuffer bytes = block.toByteBuffer(true).order(ByteOrder.nativeOrder());
                if (single) {
                    floats[b] = bytes.asFloatBuffer();
                } else {
                    doubles[b] = bytes.asDoubleBuffer();
                }
            }
        } catch (RuntimeException e) {
            scope.close();
            throw e;
        }
    }

    /** Host views of the features (rows × d), or null where they are not float32/float64 in CPU memory. */
    static HostRows of(NDArray features) {
        return isHost(features) ? new HostRows(features, 0, features.getShape().get(0)) : null;
    }

    /** Host views of rows {@code first..end} of the features, or null as for {@link #of(NDArray)}. */
    static HostRows of(NDArray features, long first, long end) {
        return isHost(features) ? new HostRows(features, first, end) : null;
    }

    /** Whether the features are a float32 or float64 matrix in CPU memory. */
    static boolean isHost(NDArray features) {
        DataType t = features.getDataType();
        return features.getDevice().getDeviceType().equals(Device.Type.CPU) && features.getShape().dimension() == 2
                && (t == DataType.FLOAT32 || t == DataType.FLOAT64);
    }

    /**
     * Columns {@code from..to} of row {@code row}, widened to float64 into {@code out} from {@code at}; {@code narrow}
     * is the caller's own scratch for float32 features (at least to − from long).
     */
    void read(int row, int from, int to, double[] out, int at, float[] narrow) {
        int b = row / blockRows;
        int index = (row - b * blockRows) * dim + from;
        int n = to - from;
        if (floats != null) {
            floats[b].get(index, narrow, 0, n);
            for (int j = 0; j < n; j++) {
                out[at + j] = narrow[j];
            }
        } else {
            doubles[b].get(index, out, at, n);
        }
    }

    /**
     * sum ← sum + row {@code row}, in float64; {@code narrow} (float32 features) or {@code wide} (float64) is the
     * caller's own scratch of length d. One loop that C2 vectorises: sum and the scratch are distinct arrays (a flat
     * K×d array added to at an offset may overlap the row as far as the compiler knows, and stays scalar: about
     * twice as slow here).
     */
    void addTo(int row, double[] sum, float[] narrow, double[] wide) {
        int b = row / blockRows;
        int index = (row - b * blockRows) * dim;
        if (floats != null) {
            floats[b].get(index, narrow, 0, dim);
            for (int j = 0; j < dim; j++) {
                sum[j] += narrow[j];
            }
        } else {
            doubles[b].get(index, wide, 0, dim);
            for (int j = 0; j < dim; j++) {
                sum[j] += wide[j];
            }
        }
    }

    /**
     * Row {@code row} minus {@code centre}, in float64, into {@code out} from {@code at} (d values), and its squared
     * norm; {@code narrow} is the caller's own scratch of length d for float32 features. The widening is exact, so
     * each value is the float64 difference h_ij − c_j itself.
     */
    double centred(int row, double[] centre, double[] out, int at, float[] narrow) {
        if (floats == null) {
            read(row, 0, dim, out, at, narrow);
            return Geometry.squaredDifference(out, at, centre, 0, dim, out, at);
        }
        int b = row / blockRows;
        floats[b].get((row - b * blockRows) * dim, narrow, 0, dim);
        return Geometry.squaredDifference(narrow, centre, dim, out, at);
    }

    /** Whether the features are float32 (else float64). */
    boolean single() {
        return floats != null;
    }

    @Override
    public void close() {
        scope.close();
    }
}
