package io.nclab.metrics;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.nclab.nd.NativeBlas;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * The second pass's full-width work for features in CPU memory ({@link SecondPass#add}): for a group of rows, the
 * centred rows x_i = h_i − μ_G, their norms ‖x_i‖, the products [M; W]·x_i and NC1's coordinates Λ_r⁻¹ U_rᵀ M x_i,
 * all from the features' own memory ({@link HostRows}). The rows are split between the cores; each worker widens and
 * centres a block of rows in Java (one read of the features, the norm in the same loop) into native memory and hands
 * it to MKL's {@code dgemm} on its own thread. Two single-threaded products side by side run faster here than one
 * on two threads, and the widening, centring and norms are no longer three passes of array operations over a float64
 * copy. The numbers are those of the NDArray route up to the order of the sums.
 */
final class HostProducts implements AutoCloseable {
    /** Elements of centred rows per block handed to {@code dgemm} (tests lower it to make many blocks). */
    static int blockElements = 1 << 19;

    /** Rows × d from which a group is split between the cores (tests lower it). */
    static long parallelElements = 1L << 20;

    /** Workers per group: 0 for the cores (at most 8); tests set more than there are cores. */
    static int threads = 0;

    /** Whether CPU features take this route; tests turn it off to check the NDArray route. */
    static boolean enabled = true;

    private final int dim;
    private final int columns;
    private final int rank;
    private final int classes;
    private final double[] globalMean;
    /** [M; W] (columns × d, row-major: column-major d × columns, the B of every product). */
    private final Memory projection;
    /** NC1's map Λ_r⁻¹ U_r (K × r, row-major), or null where r = 0. */
    private final Memory nc1Map;
    private final int workers;
    private ExecutorService pool;
    /** Each worker's block of centred rows, kept from group to group (fresh pages cost a fault each). */
    private final Memory[] scratch;
    /** The products and NC1's coordinates of the largest group so far. */
    private Memory out;
    private Memory coords;

    /** Whether the route applies: features in CPU memory and MKL's {@code dgemm} in the natives. */
    static boolean applies(ai.djl.ndarray.NDArray features) {
        return enabled && NativeBlas.gemmAvailable() && HostRows.isHost(features);
    }

    /**
     * For products with the {@code columns} rows of {@code stacked} (columns × d, row-major: M's K rows, then W's
     * if there is one) and NC1's map (K × r, row-major), centring on {@code globalMean}.
     */
    HostProducts(double[] globalMean, double[] stacked, int columns, int classes, double[] map, int rank,
            long rows) {
        this.dim = globalMean.length;
        this.columns = columns;
        this.classes = classes;
        this.rank = rank;
        this.globalMean = globalMean;
        this.workers = rows * dim < parallelElements ? 1
                : threads > 0 ? threads : Math.max(1, Math.min(Runtime.getRuntime().availableProcessors(), 8));
        this.projection = new Memory((long) columns * dim * Double.BYTES);
        this.projection.write(0, stacked, 0, columns * dim);
        this.scratch = new Memory[workers];
        if (rank > 0) {
            this.nc1Map = new Memory((long) classes * rank * Double.BYTES);
            this.nc1Map.write(0, map, 0, classes * rank);
        } else {
            this.nc1Map = null;
        }
    }

    /** One group's results: the product (columns × n, row-major), NC1's coordinates (r × n, or null), the norms. */
    record Group(double[] products, double[] coordinates, double[] norms) {}

    /** Rows {@code from..to} of {@code view} (row 0 of the view being row 0 of the group). */
    Group group(HostRows view, int n) {
        long cells = (long) columns * n;
        if (out == null || out.size() < cells * Double.BYTES) {
            free();
            out = new Memory(cells * Double.BYTES);
            coords = rank == 0 ? null : new Memory((long) rank * n * Double.BYTES);
        }
        double[] norms = new double[n];
        int parts = (long) n * dim < parallelElements ? 1 : Math.min(workers, n);
        if (parts == 1) {
            NativeBlas.onOneThread(() -> {
                range(view, 0, n, n, 0, norms);
                return null;
            });
        } else {
            if (pool == null) {
                pool = Workers.pool("nclab-second-pass", workers);
            }
            List<Future<Object>> jobs = new ArrayList<>();
            for (int t = 0; t < parts; t++) {
                int a = (int) ((long) n * t / parts);
                int b = (int) ((long) n * (t + 1) / parts);
                int worker = t;
                jobs.add(pool.submit(() -> NativeBlas.onOneThread(() -> {
                    range(view, a, b, n, worker, norms);
                    return null;
                })));
            }
            // every job is waited for before the caller's views go
            RuntimeException failed = null;
            for (Future<Object> job : jobs) {
                try {
                    Workers.await(job, "the second pass");
                } catch (RuntimeException e) {
                    failed = failed == null ? e : failed;
                }
            }
            if (failed != null) {
                throw failed;
            }
        }
        return new Group(out.getDoubleArray(0, (int) cells), coords == null ? null : coords.getDoubleArray(0, rank * n),
                norms);
    }

    /**
     * Rows {@code a..b} of a group of n: centred and widened block by block into native memory, their norms into
     * {@code norms}, their products into rows a..b of {@code out} (column-major n × columns) and NC1's coordinates into
     * {@code coords} (column-major n × r).
     */
    private void range(HostRows view, int a, int b, int n, int worker, double[] norms) {
        int d = dim;
        int block = Math.max(1, Math.min(b - a, blockElements / Math.max(1, d)));
        double[] row = new double[d];
        float[] narrow = view.single() ? new float[d] : null;
        long bytes = (long) block * d * Double.BYTES;
        if (scratch[worker] == null || scratch[worker].size() < bytes) {
            if (scratch[worker] != null) {
                scratch[worker].close();
            }
            scratch[worker] = new Memory(bytes);
        }
        Memory x = scratch[worker];
        DoubleBuffer xb = x.getByteBuffer(0, bytes).order(ByteOrder.nativeOrder()).asDoubleBuffer();
        for (int from = a; from < b; from += block) {
            int rows = Math.min(block, b - from);
            for (int i = 0; i < rows; i++) {
                norms[from + i] = Math.sqrt(view.centred(from + i, globalMean, row, 0, narrow));
                xb.put(i * d, row, 0, d);
            }
            Pointer products = out.share((long) from * Double.BYTES);
            // the block's rows of the product, x_i·[M; W]_j: op(A) = xᵀ read as the rows × d block, B = [M; W]ᵀ
            NativeBlas.gemm(true, false, rows, columns, d, 1, x, d, projection, d, 0, products, n);
            if (coords != null) {
                // NC1's coordinates from the first K columns: (x_i·M)·(Λ_r⁻¹ U_r), the map read as its transpose
                NativeBlas.gemm(false, true, rows, rank, classes, 1, products, n, nc1Map, rank, 0,
                        coords.share((long) from * Double.BYTES), n);
            }
            if (Thread.currentThread().isInterrupted()) {
                throw new java.util.concurrent.CancellationException("the second pass stopped");
            }
        }
    }

    private void free() {
        if (out != null) {
            out.close();
            out = null;
        }
        if (coords != null) {
            coords.close();
            coords = null;
        }
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdownNow();
            Workers.awaitEnd(pool);
        }
        free();
        for (Memory m : scratch) {
            if (m != null) {
                m.close();
            }
        }
        projection.close();
        if (nc1Map != null) {
            nc1Map.close();
        }
    }
}
