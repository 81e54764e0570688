package io.nclab.metrics;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.nclab.UserError;

/**
 * One batch handed to an accumulator, checked: features B×d of a floating type on any device, labels
 * in 0..K−1, and the rows grouped by class (a counting sort) for the passes that work class by class.
 */
final class Batch {
    final NDArray features;
    final int[] labels;
    final int rows;
    final int classes;
    /** Samples of each class in this batch. */
    final long[] counts;
    /** Row indices sorted by class, and where each class starts in them: made when a pass first asks. */
    private int[] order;
    private int[] start;
    /** The float64 buffer that blocks of float32 rows are converted into (null for float64 features). */
    private NDArray staging;

    /** Counts the labels, each checked against 0..K−1 ({@code seen}: samples before this batch, for the message). */
    private Batch(NDArray features, int[] labels, int classes, long seen) {
        this.features = features;
        this.labels = labels;
        this.rows = labels.length;
        this.classes = classes;
        this.counts = new long[classes];
        for (int i = 0; i < labels.length; i++) {
            int y = labels[i];
            if (y < 0 || y >= classes) {
                throw new UserError("label " + y + " of sample " + (seen + i) + " is outside 0.." + (classes - 1)
                        + " (" + classes + " classes)");
            }
            counts[y]++;
        }
    }

    /**
     * Row indices sorted by class (a counting sort, stable): class k occupies {@code order()[start()[k]] ..
     * order()[start()[k+1]-1]}. Made on first use, for the routes that work class by class; the host routes of the
     * passes never ask (at N = 50,000 the sort was a loop run interpreted and then compiled in every pass).
     */
    synchronized int[] order() {
        if (order == null) {
            int[] s = new int[classes + 1];
            for (int k = 0; k < classes; k++) {
                s[k + 1] = s[k] + (int) counts[k];
            }
            int[] o = new int[rows];
            int[] next = s.clone();
            for (int i = 0; i < rows; i++) {
                o[next[labels[i]]++] = i;
            }
            start = s;
            order = o;
        }
        return order;
    }

    /** Where each class starts in {@link #order()} (K + 1 entries, the last N). */
    synchronized int[] start() {
        order();
        return start;
    }

    /**
     * Checks a batch against an accumulator's K and d; {@code seen} (samples before this batch) makes
     * error messages name the sample as a user counts it.
     */
    static Batch of(NDArray features, int[] labels, int classes, int dim, long seen) {
        Shape s = features.getShape();
        if (s.dimension() != 2) {
            throw new UserError("features must be a matrix (samples × dimension), got shape " + s);
        }
        if (s.get(1) != dim) {
            throw new UserError("features have dimension " + s.get(1) + ", the statistics are for d = " + dim);
        }
        if (s.get(0) != labels.length) {
            throw new UserError(labels.length + " labels for " + s.get(0) + " feature rows");
        }
        if (!features.getDataType().isFloating()) {
            throw new UserError("features must be floating point, got " + features.getDataType());
        }
        return new Batch(features, labels, classes, seen);
    }

    /** Labels given as an NDArray (any integer type, any device) as Java ints. */
    static int[] labels(NDArray labels) {
        if (labels.getShape().dimension() != 1) {
            throw new UserError("labels must be a vector, got shape " + labels.getShape());
        }
        if (labels.getDataType().isFloating()) {
            throw new UserError("labels must be integers, got " + labels.getDataType());
        }
        long[] l;
        try (NDArray a = labels.toType(DataType.INT64, true)) {
            l = a.toLongArray();
        }
        int[] out = new int[l.length];
        for (int i = 0; i < l.length; i++) {
            if (l[i] < Integer.MIN_VALUE || l[i] > Integer.MAX_VALUE) { // named as it is (it read as -1)
                throw new UserError("label " + l[i] + " of this batch's sample " + i + " is outside any class range");
            }
            out[i] = (int) l[i];
        }
        return out;
    }

    /**
     * Rows processed together: about 8 MiB of float64, large enough that per-operation overheads
     * vanish, small enough to stay in cache between the conversion and the product, and far below
     * the size where the allocator maps fresh memory for every temporary.
     */
    static int chunkRows(int dim) {
        return Math.max(64, chunkElements / Math.max(1, dim));
    }

    /** Elements per block (tests lower it to exercise many blocks on small data). */
    static int chunkElements = 1 << 20;

    /** A scope for temporaries on the features' device; the features are attached to it until it closes. */
    NDManager scope() {
        NDManager scope = features.getManager().newSubManager(features.getDevice());
        scope.tempAttachAll(features);
        // Blocks of float32 (or other) rows are converted into this one buffer: fresh float64 memory
        // for every block costs more than the conversion itself.
        staging = features.getDataType() == DataType.FLOAT64 ? null
                : scope.create(new Shape(chunkRows(dim()), dim()), DataType.FLOAT64);
        return scope;
    }

    private int dim() {
        return (int) features.getShape().get(1);
    }

    /**
     * A sub-scope for one block of rows: the features, the staging buffer and the given arrays are
     * attached to it until it closes, so that everything computed from them is freed with the block.
     */
    NDManager block(NDManager scope, NDArray... constants) {
        NDManager block = scope.newSubManager();
        block.tempAttachAll(features);
        if (staging != null) {
            block.tempAttachAll(staging);
        }
        for (NDArray c : constants) {
            if (c != null) {
                block.tempAttachAll(c);
            }
        }
        return block;
    }

    /**
     * Rows as float64: float64 rows as they are (never to be modified in place), others converted into
     * the staging buffer (a view of its first rows, valid until the next block).
     */
    private NDArray float64(NDArray rows) {
        long b = rows.getShape().get(0);
        if (rows.getDataType() == DataType.FLOAT64) {
            return rows;
        }
        if (staging == null || b > staging.getShape().get(0)) {
            return rows.toType(DataType.FLOAT64, false);
        }
        NDIndex first = new NDIndex().addSliceDim(0, b);
        staging.set(first, rows);
        return b == staging.getShape().get(0) ? staging : staging.get(first);
    }

    /** Rows {@code order()[from..to)} (one class's block) as float64, in the current block. */
    NDArray sortedRows(NDManager block, int from, int to) {
        long[] idx = new long[to - from];
        int[] sorted = order();
        for (int i = from; i < to; i++) {
            idx[i - from] = sorted[i];
        }
        NDArray index = block.create(idx);
        return float64(features.get(new NDIndex("{}", index)));
    }

    /** Rows {@code from..to} in their own order as float64 (a view, or the staging buffer). */
    NDArray rowsFloat64(int from, int to) {
        return float64(features.get(new NDIndex().addSliceDim(from, to)));
    }

    /** The class indices 0..K−1 as a 1×K int64 row, for one-hot comparisons. */
    NDArray classIds(NDManager scope) {
        long[] r = new long[classes];
        for (int i = 0; i < classes; i++) {
            r[i] = i;
        }
        return scope.create(r).reshape(1, classes);
    }

    /** Rows {@code from..to} in their own order, minus {@code centre} (1×d, float64), in float64. */
    NDArray centredRows(int from, int to, NDArray centre) {
        NDArray rows = features.get(new NDIndex().addSliceDim(from, to));
        if (rows.getDataType() == DataType.FLOAT64) {
            return rows.sub(centre);
        }
        NDArray x = float64(rows);
        x.subi(centre);
        return x;
    }

    /** Labels {@code from..to} as an int64 vector in the scope. */
    NDArray labelArray(NDManager scope, int from, int to) {
        long[] y = new long[to - from];
        for (int i = from; i < to; i++) {
            y[i - from] = labels[i];
        }
        return scope.create(y);
    }

    /** The first row holding a NaN or an infinity, or −1. */
    int firstNonFiniteRow() {
        try (NDManager scope = scope()) {
            NDArray bad = features.isNaN().logicalOr(features.isInfinite()).toType(DataType.INT32, false)
                    .sum(new int[] {1});
            int[] b = bad.toType(DataType.INT32, false).toIntArray();
            for (int i = 0; i < b.length; i++) {
                if (b[i] > 0) {
                    return i;
                }
            }
            return -1;
        }
    }
}
