package io.nclab.metrics;

import com.sun.jna.Memory;
import io.nclab.Workers;
import io.nclab.nd.NativeBlas;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The second pass over features in CPU memory ({@link SecondPass#add}), a group of rows at a time: the centred rows
 * x_i = h_i − μ_G, their norms ‖x_i‖, the products [M; W]·x_i and NC1's coordinates Λ_r⁻¹ U_rᵀ M x_i, all from the
 * features' own memory ({@link HostRows}), then the per-sample arithmetic. The rows are cut into blocks, which the
 * workers (one per core) take as they come: a worker widens and centres a block of rows in Java (one read of the
 * features, the norm in the same loop) into native memory, hands it to MKL's {@code dgemm} on its own thread (two
 * single-threaded products side by side run faster here than one on two threads), lays the products out one row per
 * sample and runs the caller's per-sample arithmetic ({@link Rows}) over the block. The numbers are those of the
 * NDArray route up to the order of the sums, and the same on any number of workers.
 */
final class HostProducts implements AutoCloseable {
    /** Elements of centred rows per block handed to {@code dgemm} (tests lower it to make many blocks). */
    static int blockElements = 1 << 19;

    /**
     * The work, rows × d × columns (the products' multiply-adds), from which a group is split between the cores: about
     * a millisecond of one core's (tests lower it).
     */
    static long parallelWork = 1L << 22;

    /** Product columns from which each sample's products come out of {@code dgemm} together (tests lower it). */
    static int sampleMajorFrom = 256;

    /** Workers per group: 0 for the cores (at most 8); tests set more than there are cores. */
    static int threads = 0;

    /** Whether CPU features take this route; tests turn it off to check the NDArray route. */
    static boolean enabled = true;

    private final int dim;
    /** The product's columns handed on as products: K, or 2K with a classifier. */
    private final int width;
    /** Its further columns, NC1's coordinates taken in the product (d-space rows, where d &lt; K), or 0. */
    private final int inProduct;
    /** Every column of the product. */
    private final int columns;
    private final int rank;
    private final int classes;
    private final double[] globalMean;
    /** [M; W; B] (columns × d, row-major: column-major d × columns, the B of every product). */
    private final Memory projection;
    /** NC1's map Λ_r⁻¹ U_r (K × r, row-major), or null where r = 0. */
    private final Memory nc1Map;
    private final int workers;
    /**
     * Rows per block: {@link #blockElements} / d, or as many as the product has columns, up to 8 × blockElements in
     * all. MKL packs [M; W; B] anew for every call; with fewer rows than columns that packing is a large part of the
     * call (K = 1,000, d = 2,048, 2,000 columns: the second pass took 10.5–11.2 s in 256-row blocks, 7.6–8.1 s in
     * 2,000-row ones).
     */
    private final int blockRows;
    /** Whether {@code dgemm} writes each sample's products together (from {@link #sampleMajorFrom} columns on). */
    private final boolean bySample;
    private ExecutorService pool;
    private final Scratch[] scratch;
    /**
     * Each worker's products and NC1 coordinates of a block as handed on ({@link Rows}), kept from block to block and
     * group to group: at K = 1,000 a block's are 32 MB, and fresh ones cost their zeroing and a page fault a page.
     */
    private final double[][] handedProducts;
    private final double[][] handedCoordinates;

    /** Whether the route applies: features in CPU memory and MKL's {@code dgemm} in the natives. */
    static boolean applies(ai.djl.ndarray.NDArray features) {
        return enabled && NativeBlas.gemmAvailable() && HostRows.isHost(features);
    }

    /**
     * For products with the rows of {@code stacked} (row-major, d long: M's K rows, then W's if there is one,
     * {@code width} in all, then {@code inProduct} rows whose products are NC1's r coordinates, or none) and, where
     * those are not in the product, NC1's map (K × r, row-major) applied to the first K; centring on {@code globalMean}.
     */
    HostProducts(double[] globalMean, double[] stacked, int width, int inProduct, int classes, double[] map, int rank,
            long rows) {
        this.dim = globalMean.length;
        this.width = width;
        this.inProduct = inProduct;
        this.columns = width + inProduct;
        this.classes = classes;
        this.rank = rank;
        this.globalMean = globalMean;
        this.workers = rows * dim * columns < parallelWork ? 1
                : threads > 0 ? threads : Workers.cores();
        int fewest = blockElements / Math.max(1, dim);
        this.blockRows = Math.max(1, Math.max(fewest, Math.min(columns, 8 * fewest)));
        this.bySample = columns >= sampleMajorFrom;
        this.projection = new Memory((long) columns * dim * Double.BYTES);
        this.projection.write(0, stacked, 0, columns * dim);
        this.scratch = new Scratch[workers];
        this.handedProducts = new double[workers][];
        this.handedCoordinates = new double[workers][];
        if (rank > 0 && inProduct == 0) {
            this.nc1Map = new Memory((long) classes * rank * Double.BYTES);
            this.nc1Map.write(0, map, 0, classes * rank);
        } else {
            this.nc1Map = null;
        }
    }

    /** Rows a round of the workers takes in full blocks. */
    int roundRows() {
        return workers * blockRows;
    }

    /**
     * Rows of per-sample products: sample i's x_i·[M; W]_j at {@code values[i·stride + j]}, and NC1's r coordinates at
     * {@code coordinates[at + i·coordinateStride + j]} (null where r = 0; the array {@code values} itself where they
     * come in each sample's row of the product, after its K or 2K products).
     */
    record SampleRows(double[] values, int stride, double[] coordinates, int at, int coordinateStride) {}

    /**
     * What a worker does with a block of its rows once their products are in: the second pass's per-sample arithmetic
     * over rows {@code from..from+count} of the group, given their products and NC1's coordinates and their norms (each
     * from index 0, for those rows alone; the arrays are the worker's, reused for its next block).
     */
    interface Rows {
        double[] apply(int from, int count, SampleRows products, double[] norms);
    }

    /** A group's results: what {@link Rows} gave for each block of rows, in row order, and every row's norm. */
    record Group(List<double[]> parts, double[] norms) {}

    /**
     * The n rows of {@code view} (row 0 of the view being row 0 of the group), block by block: each worker takes the
     * next block not yet taken, computes its products and hands them to {@code rows}. The blocks are the same
     * whichever worker takes them and however many there are, and their results come back in row order, so the
     * numbers do not depend on the threads; a worker slowed down (a core shared with the JIT's compiler threads in a
     * one-shot command, or with another process) takes fewer blocks, where a fixed share of the rows each kept
     * the other waiting for it at the end of every group.
     */
    Group group(HostRows view, int n, Rows rows) {
        double[] norms = new double[n];
        // a group of fewer than Workers.MOST full blocks in up to that many (each at least as many rows as the product
        // has columns): work for every worker at the UFM's sizes, the same blocks whatever the number of workers
        int block = Math.max(1, Math.min(Math.min(n, blockRows),
                Math.max((n + Workers.MOST - 1) / Workers.MOST, Math.min(columns, blockRows))));
        int blocks = (n + block - 1) / block;
        int parts = (long) n * dim * columns < parallelWork ? 1 : Math.min(workers, blocks);
        double[][] results = new double[blocks][];
        if (parts == 1) {
            NativeBlas.onOneThread(() -> take(view, n, block, new AtomicInteger(), 0, norms, rows, results));
            return new Group(List.of(results), norms);
        }
        if (pool == null) {
            pool = Workers.pool("nclab-second-pass", workers);
        }
        AtomicInteger next = new AtomicInteger();
        List<Future<Void>> jobs = new ArrayList<>();
        for (int t = 0; t < parts; t++) {
            int worker = t;
            jobs.add(pool.submit(() -> NativeBlas.onOneThread(
                    () -> take(view, n, block, next, worker, norms, rows, results))));
        }
        // every job is waited for before the caller's views go
        Workers.awaitAll(jobs, "the second pass");
        return new Group(List.of(results), norms);
    }

    /** Blocks of the group taken one at a time from {@code next} by one worker until none is left. */
    private Void take(HostRows view, int n, int block, AtomicInteger next, int worker, double[] norms, Rows rows,
            double[][] results) {
        for (int b = next.getAndIncrement(); b * (long) block < n; b = next.getAndIncrement()) {
            int a = b * block;
            results[b] = range(view, a, Math.min(n, a + block), block, worker, norms, rows);
            if (Thread.currentThread().isInterrupted()) {
                throw new java.util.concurrent.CancellationException("the second pass stopped");
            }
        }
        return null;
    }

    /**
     * Rows {@code a..b} of a group, one block (of the group's {@code block} rows, or its last): centred and widened
     * into native memory, their norms into {@code norms}, their products and NC1's coordinates by {@code dgemm} into
     * the worker's scratch and from there, sample by sample, into Java arrays handed to {@code rows}; what it gives.
     * The per-sample arithmetic runs block by block, not after a worker's last product: the JIT compiles it over the
     * first blocks, where after the last one a one-shot command ran most of it interpreted or as C1 code (K = 10: the
     * last 0.09 s of a 0.3 s pass, one group of 50,000 rows).
     */
    private double[] range(HostRows view, int a, int b, int block, int worker, double[] norms, Rows rows) {
        int d = dim;
        int c = columns;
        int m = b - a;
        // by sample, each sample's row of the product is handed on as it is (NC1's coordinates in it where d < K)
        int stride = bySample ? c : width;
        double[] products = held(handedProducts, worker, m * stride);
        double[] coordinates = rank == 0 ? null : bySample && inProduct > 0 ? products
                : held(handedCoordinates, worker, m * rank);
        SampleRows handed = bySample && inProduct > 0 ? new SampleRows(products, c, products, width, c)
                : new SampleRows(products, stride, coordinates, 0, rank);
        double[] blockNorms = new double[m];
        Scratch s = scratch(worker, block);
        double[] row = s.row;
        float[] narrow = s.narrow;
        DoubleBuffer xb = s.x.getByteBuffer(0, (long) m * d * Double.BYTES).order(ByteOrder.nativeOrder())
                .asDoubleBuffer();
        for (int i = 0; i < m; i++) {
            double norm = Math.sqrt(view.centred(a + i, globalMean, row, 0, narrow));
            norms[a + i] = norm;
            blockNorms[i] = norm;
            xb.put(i * d, row, 0, d);
        }
        if (bySample) {
            // wide products one sample after another (columns × m, column-major): [M; W; B]·x, with no
            // transposition after it
            NativeBlas.gemm(true, false, c, m, d, 1, projection, d, s.x, d, 0, s.products, c);
            s.products.read(0, products, 0, m * c);
            if (inProduct == 0 && coordinates != null) {
                // NC1's coordinates (Λ_r⁻¹ U_r)ᵀ·(M x_i), from the first K of each sample's products
                NativeBlas.gemm(false, false, rank, m, classes, 1, nc1Map, rank, s.products, c, 0, s.coordinates,
                        rank);
                s.coordinates.read(0, coordinates, 0, m * rank);
            }
        } else {
            // the block's products x_i·[M; W; B]_j, column-major m × columns: op(A) = xᵀ read as the m × d block,
            // B = [M; W; B]ᵀ (with few columns the faster orientation: MKL is slower with them as the short side)
            double[] columnMajor = s.columnMajor;
            NativeBlas.gemm(true, false, m, c, d, 1, s.x, d, projection, d, 0, s.products, m);
            s.products.read(0, columnMajor, 0, m * c);
            sampleMajor(columnMajor, m, 0, width, products, 0);
            if (inProduct > 0) {
                sampleMajor(columnMajor, m, width, c, coordinates, 0);
            } else if (coordinates != null) {
                // NC1's coordinates from the first K columns: (x_i·M)·(Λ_r⁻¹ U_r), the map read as its transpose
                NativeBlas.gemm(false, true, m, rank, classes, 1, s.products, m, nc1Map, rank, 0, s.coordinates,
                        m);
                s.coordinates.read(0, columnMajor, 0, m * rank);
                sampleMajor(columnMajor, m, 0, rank, coordinates, 0);
            }
        }
        return rows.apply(a, m, handed, blockNorms);
    }

    /**
     * Columns {@code j0..j1} of the column-major m-row matrix {@code source} into rows {@code at..at+m} of the row-major
     * {@code out}, whose rows are j1 − j0 long.
     */
    private static void sampleMajor(double[] source, int m, int j0, int j1, double[] out, int at) {
        int w = j1 - j0;
        for (int i = 0; i < m; i++) {
            int o = (at + i) * w - j0;
            for (int j = j0; j < j1; j++) {
                out[o + j] = source[j * m + i];
            }
        }
    }

    /**
     * A worker's memory: a block of centred rows, its products and NC1's coordinates (native), the products read
     * back, and one row as it is centred, with its float32 values as read (Java).
     */
    private record Scratch(Memory x, Memory products, Memory coordinates, double[] columnMajor, double[] row,
            float[] narrow)
            implements AutoCloseable {
        @Override
        public void close() {
            x.close();
            products.close();
            if (coordinates != null) {
                coordinates.close();
            }
        }
    }

    /** The worker's array of {@code held}, if it holds at least n values, else a new one kept in its place. */
    private static double[] held(double[][] held, int worker, int n) {
        if (held[worker] == null || held[worker].length < n) {
            held[worker] = new double[n];
        }
        return held[worker];
    }

    /** The worker's scratch for blocks of {@code block} rows, kept from group to group (fresh pages cost a fault each). */
    private Scratch scratch(int worker, int block) {
        Scratch s = scratch[worker];
        if (s == null || s.x.size() < (long) block * dim * Double.BYTES) {
            if (s != null) {
                s.close();
            }
            s = new Scratch(new Memory((long) block * dim * Double.BYTES),
                    new Memory((long) block * columns * Double.BYTES),
                    nc1Map == null ? null : new Memory((long) block * rank * Double.BYTES),
                    // the column-major products read back, for the narrow orientation only
                    bySample ? null : new double[block * Math.max(columns, rank)], new double[dim], new float[dim]);
            scratch[worker] = s;
        }
        return s;
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdownNow();
            Workers.awaitEnd(pool);
        }
        for (Scratch m : scratch) {
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
