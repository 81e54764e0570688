package io.nclab.metrics;


import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.nclab.UserError;
import io.nclab.Workers;
import io.nclab.io.Json;
import io.nclab.io.Npz;
import io.nclab.nd.Nd;
import io.nclab.nd.Svd;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The second pass of the NC engine: with the class means (from a {@link FeatureStats}) and the
 * classifier fixed, it looks at every sample once more and keeps only K-sized sums.
 *
 * <p>Each block of rows is centred on the global mean, x_i = h_i − μ_G (the float32 features are
 * promoted to float64 in that subtraction), and one product [M; W]·x_i gives every per-sample
 * quantity, from the K-vectors x_i·M_k and x_i·w_k and the norm ‖x_i‖:
 * <ul>
 *   <li>‖h_i − μ_{y_i}‖² = ‖x_i‖² − 2 x_i·M_{y_i} + ‖M_{y_i}‖², summed per class: tr Σ_W and the
 *       CDNV's σ_k² (clamped at 0 against round-off);</li>
 *   <li>the K-space route to NC1: Σ_B = MᵀM/K has rank ≤ K−1 and shares its non-zero spectrum with
 *       the K×K Gram MMᵀ = U Λ Uᵀ, so tr(Σ_W Σ_B†)/K = (1/N) Σ_i ‖Λ_r⁻¹ U_rᵀ M (h_i − μ_{y_i})‖² over
 *       the r eigen-directions with λ_j &gt; max(d, K)·ε·λ_max (NumPy's pseudo-inverse cut-off on
 *       Σ_B), with M (h_i − μ_{y_i}) = M x_i − M M_{y_i}. No d×d matrix is formed, and a sum of
 *       squares is never negative;</li>
 *   <li>the nearest class centre argmin_k ‖x_i − M_k‖² = argmin_k (‖M_k‖² − 2 x_i·M_k);</li>
 *   <li>the classifier's decision argmax_k (x_i·w_k + w_k·μ_G + b_k) and the cosine margin from
 *       cos(x_i, w_k − w̄) = (x_i·w_k − mean_j x_i·w_j)/(‖x_i‖ ‖w_k − w̄‖).</li>
 * </ul>
 * Centring first keeps a large common offset of the features out of every difference; what is left
 * is a relative round-off of about ε·‖h_i − μ_G‖²/‖h_i − μ_{y_i}‖² in the expanded within-class terms
 * (and in NC1's). Where that ratio passes {@link #CANCELLATION} over a group of rows (features close to
 * collapse, where these are the numbers that matter), the group's within-class terms and NC1 are taken
 * again from h_i − μ_{y_i} itself, so NC1, its quotient and the CDNV stay exact to about 1e-12 relative
 * however far the features have collapsed. For features in CPU memory the rows of a group are split between the cores
 * ({@link HostProducts}): each worker computes its rows' products and norms from that memory by MKL's {@code dgemm} and
 * does the K-space arithmetic above for them in one loop over its samples, adding the per-class sums in row order, in
 * float64; the workers' sums are then added in a fixed order. Features elsewhere take NDArray operations per block of
 * rows on their device, and the per-sample loop runs on the host. Where d &lt; K, NC1's r ≤ d coordinates come from
 * the same product, with the d-space rows Λ_r⁻¹ U_rᵀ M, instead of from the K products through the K × r map. Like
 * the first pass, it {@link #merge}s and saves to an {@code .npz} archive. The cosine of a sample at μ_G (h_i − μ_G = 0) is taken
 * as 0; with a row w_k − w̄ of zero every cosine margin is undefined (NaN).
 */
public final class SecondPass {
    /** Class means whose largest entry is below this are refused: their squares would underflow (the constructor). */
    static final double TINY = 1e-150;

    /** Per-class columns accumulated by every block. */
    private static final int WITHIN = 0;
    private static final int NCC_CORRECT = 1;
    private static final int DISAGREE = 2;
    private static final int CORRECT = 3;
    private static final int MARGIN = 4;
    private static final int MARGIN_NON_POSITIVE = 5;

    private final FeatureStats first;
    private final int classes;
    private final int dim;
    private final double[] weights;
    private final double[] bias;
    private final boolean keepMargins;
    private final int columns;

    // Fixed by the first pass and the classifier (host, float64).
    private final double[] globalMean;
    private final double[] centred;
    private final double[] gramMeans;
    private final double[] meanDistances;
    private final double[] nc1Map;
    private final int nc1Rank;
    /**
     * NC1's coordinates as d-space rows Λ_r⁻¹ U_rᵀ M (r × d, row-major), taken with the other products (x_i·[M; W; B]),
     * where d &lt; K: N·d·r multiply-adds instead of the K-space map's N·K·r (r ≤ d; at N = 100,000, K = 1,000,
     * d = 64: 0.4e9 instead of 6.4e9, beside the products' 12.8e9); null where the K-space map is used.
     */
    private final double[] nc1Basis;
    private final double[] gramW;
    private final double[] gramWM;
    private final double[] logitOffsets;
    private final double[] centredWeightNorms;
    private final double biasRelation;
    /** The scale of a decision's round-off: max ‖M_k‖, max ‖w_k‖ and max Σ_j |w_kj μ_Gj| + |b_k|. */
    private final double largestMean;
    private final double largestWeight;
    private final double largestOffset;
    /** What the per-sample loop needs besides (see {@link HostConstants}). */
    private final HostConstants host;

    // Accumulated.
    private final long[] seen;
    private final double[] perClass;
    private double nc1Sum;
    private double marginMin = Double.POSITIVE_INFINITY;
    private final List<double[]> margins = new ArrayList<>();

    SecondPass(FeatureStats stats, double[] weights, double[] bias, boolean keepMargins) {
        stats.requireEveryClass();
        this.first = stats.copy();
        this.classes = stats.classes();
        this.dim = stats.dim();
        this.weights = weights;
        this.bias = weights == null ? null : bias != null ? bias : new double[classes];
        this.keepMargins = keepMargins && weights != null;
        this.columns = weights == null ? 2 : 6;
        int k = classes;
        int d = dim;
        double[] mu = first.means();
        double largest = largestAbs(mu);
        if (largest > 0 && largest < TINY) {
            // their squares and products fall below float64's normal range (1e-308), where every digit is lost
            throw new UserError(String.format(java.util.Locale.ROOT, "the features are too small for float64: the"
                    + " largest class-mean entry is %.3g, and the metrics' squares of such values underflow; rescale"
                    + " them (every NC metric is scale-invariant)", largest));
        }
        double largestW = weights == null ? 0 : largestAbs(weights);
        if (largestW > 0 && largestW < TINY) {
            // the same for the classifier: its row norms would underflow to 0 and read as W = 0
            throw new UserError(String.format(java.util.Locale.ROOT, "the classifier is too small for float64: its"
                    + " largest entry is %.3g, and the metrics' squares of such values underflow; rescale W and b"
                    + " together (the decisions and every NC metric are scale-invariant)", largestW));
        }
        this.globalMean = first.globalMean();
        this.centred = new double[k * d];
        for (int a = 0; a < k; a++) {
            Geometry.subtract(mu, a * d, globalMean, d, centred, a * d);
        }
        this.seen = new long[k];
        this.perClass = new double[k * columns];

        // The K×K products the metrics need, each its own product of the rows M, W and W − w̄ (one Gram matrix of the
        // stacked rows held (3K)² numbers where three K² are used, and could not be copied out past K = 5,461).
        if ((long) k * k >= Integer.MAX_VALUE / Double.BYTES) {
            throw new UserError(String.format(java.util.Locale.ROOT, "%,d classes: the metrics' K x K matrices would"
                    + " not fit in one Java array (at most 16,383 classes)", k));
        }
        // At least 2.5 K×K tables at once without a classifier and 5 with one (at K = 5,000, -Xmx600m and -Xmx1200m
        // were enough, 1g was not with one), refused before the work rather than failing after it
        io.nclab.SystemMemory.requireHeap((long) ((weights == null ? 2.5 : 5) * k * k * Double.BYTES),
                String.format(java.util.Locale.ROOT, "%,d classes: the metrics hold K x K float64 tables", k));
        double[] centredWeights = null;
        if (weights != null) {
            double[] wBar = new double[d];
            for (int a = 0; a < k; a++) {
                Geometry.addDivided(weights, a * d, k, d, wBar);
            }
            centredWeights = new double[k * d];
            for (int a = 0; a < k; a++) {
                Geometry.subtract(weights, a * d, wBar, d, centredWeights, a * d);
            }
        }
        double[] gramM;
        double[] gramWW = null;
        double[] gramWMeans = null;
        double[] centredWeightSquares = null;
        try (NDManager m = Nd.newManager()) {
            NDArray xm = m.create(centred, new Shape(k, d));
            gramM = xm.matMul(xm.transpose()).toDoubleArray();
            if (weights != null) {
                NDArray xw = m.create(weights, new Shape(k, d));
                gramWW = xw.matMul(xw.transpose()).toDoubleArray();
                gramWMeans = xw.matMul(xm.transpose()).toDoubleArray();
                centredWeightSquares = m.create(centredWeights, new Shape(k, d)).square().sum(new int[] {1})
                        .toDoubleArray();
            }
        }
        for (double[] g : new double[][] {gramM, gramWW, gramWMeans, centredWeightSquares}) {
            for (double v : g == null ? new double[0] : g) {
                if (!Double.isFinite(v)) {
                    throw new UserError("the features or the classifier are too large for float64: products of the class"
                            + " means and classifier rows overflow (largest |mean - global mean| entry "
                            + String.format(java.util.Locale.ROOT, "%.3g", Arrays.stream(centred).map(Math::abs).max()
                                    .orElse(0))
                            + (weights == null ? "" : String.format(java.util.Locale.ROOT, ", largest |W| entry %.3g",
                                    Arrays.stream(weights).map(Math::abs).max().orElse(0)))
                            + "); rescale them (every NC metric is scale-invariant)");
                }
            }
        }
        this.gramMeans = gramM;
        this.meanDistances = pairDistances(centred, k, d);
        double lm = 0;
        double lw = 0;
        for (int a = 0; a < k; a++) {
            lm = Math.max(lm, Math.sqrt(Math.max(0, gramMeans[a * k + a])));
            if (weights != null) {
                lw = Math.max(lw, Math.sqrt(Math.max(0, gramWW[a * k + a])));
            }
        }
        this.largestMean = lm;
        this.largestWeight = lw;
        if (weights != null) {
            this.gramW = gramWW;
            this.gramWM = gramWMeans;
            this.centredWeightNorms = new double[k];
            this.logitOffsets = this.bias.clone(); // W μ_G + b: the logits of x_i = 0
            double offsetTerms = 0; // the largest Σ_j |w_kj μ_Gj| + |b_k|: the size of the terms an offset sums
            for (int a = 0; a < k; a++) {
                centredWeightNorms[a] = Math.sqrt(Math.max(0, centredWeightSquares[a]));
                logitOffsets[a] = Geometry.dotFrom(logitOffsets[a], weights, a * d, globalMean, d);
                double terms = Geometry.absDotFrom(Math.abs(this.bias[a]), weights, a * d, globalMean, d);
                offsetTerms = Math.max(offsetTerms, terms);
            }
            this.biasRelation = Math.sqrt(Arrays.stream(logitOffsets).map(v -> v * v).sum());
            this.largestOffset = offsetTerms;
        } else {
            this.gramW = null;
            this.gramWM = null;
            this.logitOffsets = null;
            this.centredWeightNorms = null;
            this.biasRelation = Double.NaN;
            this.largestOffset = 0;
        }
        // NC1's K-space map Λ_r⁻¹ U_rᵀ (r×K, stored K×r for the product (M D_i)ᵀ U_r Λ_r⁻¹), Λ = Σ², with U and
        // Σ from a singular value decomposition of M itself: an eigen-decomposition of the Gram MMᵀ would square
        // M's condition number, losing the small between-class directions' accuracy (relative ε·κ² instead of ε·κ).
        Svd svd = Svd.ofRowMajor(centred, k, d);
        double[] sigma = svd.values();
        // the same cut as before on the eigenvalues σ² of Σ_B's K-space Gram: λ > max(d, K)·ε·λ_max
        double top = sigma.length == 0 ? 0 : sigma[0];
        double cut = Math.max(d, k) * Geometry.EPS * top * top;
        int r = 0;
        while (r < sigma.length && top > 0 && sigma[r] * sigma[r] > cut) {
            r++;
        }
        this.nc1Rank = r;
        this.nc1Map = new double[k * Math.max(r, 1)];
        for (int j = 0; j < r; j++) {
            double s2 = sigma[j] * sigma[j];
            for (int a = 0; a < k; a++) {
                nc1Map[a * r + j] = svd.left()[j][a] / s2;
            }
        }
        double[] basis = null;
        if (r > 0 && d < k) {
            try (NDManager m = Nd.newManager()) {
                basis = m.create(nc1Map, new Shape(k, r)).transpose().matMul(m.create(centred, new Shape(k, d)))
                        .toDoubleArray();
            }
        }
        this.nc1Basis = basis;
        this.host = hostConstants();
    }

    public int classes() {
        return classes;
    }

    public int dim() {
        return dim;
    }

    /** Pairs' work K²d/2 from which {@link #pairDistances} splits the rows between the cores: about 10 ms of one. */
    static long parallelPairs = 1L << 24;

    /** Rows of class means a tile of {@link #pairDistances} holds: 16 rows of d = 2,048 are 256 KB, in L2. */
    private static final int PAIR_TILE = 16;

    /**
     * ‖μ_a − μ_b‖² for every pair (K × K, symmetric, zero diagonal) from the differences themselves, not from the Gram
     * (no cancellation). The rows a come in tiles of {@link #PAIR_TILE}, each row b read once per tile, not once per a;
     * from K²d/2 = {@link #parallelPairs} on, the tiles are shared between the cores (K = 1,000, d = 2,048: 1.2 s in one
     * loop over the pairs, 0.85 s tiled on one core, 0.43 s on two).
     */
    static double[] pairDistances(double[] centred, int k, int d) {
        double[] out = new double[k * k];
        int tiles = (k + PAIR_TILE - 1) / PAIR_TILE;
        int parts = (long) k * k * d / 2 < parallelPairs ? 1
                : Math.min(tiles, Workers.cores());
        java.util.function.IntConsumer part = t -> {
            double[] difference = new double[d];
            // tiles dealt round-robin: the later tiles have fewer pairs (b > a), so every part gets a share of each
            for (int tile = t; tile < tiles; tile += parts) {
                int a0 = tile * PAIR_TILE;
                int a1 = Math.min(k, a0 + PAIR_TILE);
                for (int b = a0 + 1; b < k; b++) {
                    for (int a = a0; a < Math.min(a1, b); a++) {
                        double s = Geometry.squaredDifference(centred, a * d, centred, b * d, d, difference, 0);
                        out[a * k + b] = s;
                        out[b * k + a] = s;
                    }
                }
            }
        };
        if (parts == 1) {
            part.accept(0);
            return out;
        }
        java.util.concurrent.ExecutorService pool = Workers.pool("nclab-mean-distances", parts);
        try {
            List<java.util.concurrent.Future<?>> jobs = new ArrayList<>();
            for (int t = 0; t < parts; t++) {
                int worker = t;
                jobs.add(pool.submit(() -> part.accept(worker)));
            }
            Workers.awaitAll(jobs, "the class means' distances");
        } finally {
            pool.shutdownNow();
            Workers.awaitEnd(pool);
        }
        return out;
    }

    public boolean hasClassifier() {
        return weights != null;
    }

    /** Adds a batch: the same features and labels the first pass saw, in any order and batching. */
    public void add(NDArray features, int[] labels) {
        Batch batch = Batch.of(features, labels, classes, dim, Arrays.stream(seen).sum());
        if (batch.rows == 0) {
            return;
        }
        int k = classes;
        boolean w = weights != null;
        int chunk = Batch.chunkRows(dim);
        double[] add = new double[perClass.length];
        double nc1 = 0;
        double min = Double.POSITIVE_INFINITY;
        List<double[]> kept = new ArrayList<>();
        // the rows of every product: M, then W, then (where d < K) NC1's d-space basis
        int width = w ? 2 * k : k;
        int extra = nc1Basis == null ? 0 : nc1Rank;
        double[] stacked = Arrays.copyOf(centred, (width + extra) * dim);
        if (w) {
            System.arraycopy(weights, 0, stacked, k * dim, k * dim);
        }
        if (extra > 0) {
            System.arraycopy(nc1Basis, 0, stacked, width * dim, extra * dim);
        }
        try (NDManager scope = batch.scope();
                HostProducts host = HostProducts.applies(batch.features)
                        ? new HostProducts(globalMean, stacked, width, extra, k, nc1Map, nc1Rank, batch.rows) : null) {
            Constants c = new Constants(
                    scope.create(globalMean, new Shape(1, dim)),
                    scope.create(stacked, new Shape(width + extra, dim)),
                    scope.create(nc1Map, new Shape(k, Math.max(nc1Rank, 1))));
            // Products block by block (the full-width work), then the per-sample arithmetic on the host once per
            // group of blocks; a group's product ((K or 2K) × rows) is held on the device and on the host, so its
            // rows × K-space columns are bounded too
            int group = (int) Math.max(64, Math.min(Math.max(chunk, groupRows), GROUP_ELEMENTS / width));
            if (host != null) {
                // full blocks for every worker, within ROUND_ELEMENTS (from K ≈ 330 with a classifier)
                group = (int) Math.max(group, Math.min(Math.min(host.roundRows(), groupRows), ROUND_ELEMENTS / width));
            }
            for (int from = 0; from < batch.rows; from += group) {
                int to = Math.min(from + group, batch.rows);
                try (NDManager block = batch.block(scope, c.globalMean, c.projection, c.nc1Map)) {
                    double[] v;
                    double[] nh;
                    if (host != null) {
                        // CPU features: products from their own memory, and the per-sample arithmetic, on the cores
                        try (HostRows view = HostRows.of(batch.features, from, to)) {
                            int base = from;
                            HostProducts.Group g = host.group(view, to - from,
                                    (a, count, p, norms) -> block(batch.labels, base + a, count, p, norms));
                            v = merged(g.parts(), to - from);
                            nh = g.norms();
                        }
                    } else {
                        double[][] g = deviceGroup(batch, c, from, to, chunk);
                        nh = g[2];
                        v = block(batch.labels, from, to - from,
                                new HostProducts.SampleRows(g[0], width, g[1], 0, nc1Rank), nh);
                    }
                    for (double x : v) {
                        if (!Double.isFinite(x)) {
                            // the first pass saw finite features; a NaN here is one these rows brought (a second
                            // pass fed other features), an infinity an overflow
                            throw new UserError(Double.isNaN(x) && java.util.Arrays.stream(nh).anyMatch(Double::isNaN)
                                    ? "the features given to the second pass are not finite (NaN or infinity): every"
                                    + " sample must be finite"
                                    : "the features are too large for float64: a sample's squared distance to the"
                                    + " global mean overflows; rescale them (every NC metric is scale-invariant)");
                        }
                    }
                    double groupWithin = 0;
                    for (int a = 0; a < k; a++) {
                        groupWithin += v[a * columns + WITHIN];
                    }
                    if (v[add.length + 1] > CANCELLATION * groupWithin) {
                        // Nearly collapsed rows: ‖x‖² − 2x·M_y + ‖M_y‖² has cancelled most of its digits, so
                        // the within-class terms (and NC1's) are taken again from h_i − μ_{y_i} itself.
                        double[] exact = exactWithin(batch, c, from, to, chunk);
                        for (int a = 0; a < k; a++) {
                            v[a * columns + WITHIN] = exact[a];
                        }
                        v[add.length] = exact[k];
                    }
                    for (int i = 0; i < add.length; i++) {
                        add[i] += v[i];
                    }
                    nc1 += v[add.length];
                    if (w) {
                        min = Math.min(min, v[add.length + 2]);
                        if (keepMargins) {
                            kept.add(Arrays.copyOfRange(v, add.length + 3, v.length));
                        }
                    }
                }
            }
        }
        for (int i = 0; i < perClass.length; i++) {
            perClass[i] += add[i];
        }
        for (int a = 0; a < k; a++) {
            seen[a] += batch.counts[a];
        }
        nc1Sum += nc1;
        marginMin = Math.min(marginMin, min);
        margins.addAll(kept);
    }

    /**
     * Rows {@code from..to}'s products [M; W]·x_i (rows × (K or 2K), row-major), NC1's coordinates Λ_r⁻¹ U_rᵀ M x_i
     * (rows × r, or null) and norms ‖x_i‖, by NDArray operations per block of rows on the features' device (features
     * off the CPU), brought to the host.
     */
    private double[][] deviceGroup(Batch batch, Constants c, int from, int to, int chunk) {
        NDList products = new NDList();
        NDList norms = new NDList();
        for (int a = from; a < to; a += chunk) {
            NDArray x = batch.centredRows(a, Math.min(a + chunk, to), c.globalMean);
            norms.add(x.norm(new int[] {1}));
            // [M; W]·xᵀ, the K-row side on the left: the faster orientation for thin products.
            products.add(c.projection.matMul(x.transpose()));
        }
        // rows of the product: x_i·M_k, then x_i·w_k (and NC1's coordinates where d < K); one row per sample on the host
        NDArray p = products.size() == 1 ? products.get(0) : NDArrays.concat(products, 1);
        int width = weights == null ? classes : 2 * classes;
        double[] q = nc1Rank == 0 ? null
                : nc1Basis != null ? p.get(new NDIndex().addSliceDim(width, width + nc1Rank)).transpose().toDoubleArray()
                : p.get(new NDIndex().addSliceDim(0, classes)).transpose().matMul(c.nc1Map).toDoubleArray();
        return new double[][] {p.get(new NDIndex().addSliceDim(0, width)).transpose().toDoubleArray(), q,
            (norms.size() == 1 ? norms.get(0) : NDArrays.concat(norms)).toDoubleArray()};
    }

    /**
     * The {@link #block} results of consecutive rows (b in all) as one: sums added, the smallest margin, the margins
     * in row order.
     */
    private double[] merged(List<double[]> parts, int b) {
        if (parts.size() == 1) {
            return parts.get(0);
        }
        int end = classes * columns;
        boolean w = weights != null;
        double[] v = new double[end + 2 + (w ? 1 + (keepMargins ? b : 0) : 0)];
        if (w) {
            v[end + 2] = Double.POSITIVE_INFINITY;
        }
        int at = end + 3;
        for (double[] part : parts) {
            for (int i = 0; i < end + 2; i++) {
                v[i] += part[i];
            }
            if (w) {
                v[end + 2] = Math.min(v[end + 2], part[end + 2]);
                if (keepMargins) {
                    int n = part.length - (end + 3);
                    System.arraycopy(part, end + 3, v, at, n);
                    at += n;
                }
            }
        }
        return v;
    }

    /** The device copies of what every block needs. */
    private record Constants(NDArray globalMean, NDArray projection, NDArray nc1Map) {}

    /**
     * What the per-sample arithmetic needs on the host: ‖M_k‖²/2, 1/‖w_k − w̄‖ (0 for a zero row) and NC1's map of
     * each class mean, t_k = Λ_r⁻¹ U_rᵀ M M_k (K×r), so that NC1's term of sample i is ‖q_i − t_{y_i}‖² with
     * q_i = Λ_r⁻¹ U_rᵀ M x_i.
     */
    private record HostConstants(double[] halfMeanNorms, double[] inverseWeightNorms, double[] meanMaps) {}

    private HostConstants hostConstants() {
        int k = classes;
        double[] half = new double[k];
        for (int a = 0; a < k; a++) {
            half[a] = gramMeans[a * k + a] / 2;
        }
        double[] inverse = weights == null ? null
                : Arrays.stream(centredWeightNorms).map(v -> v > 0 ? 1 / v : 0).toArray();
        double[] maps = null;
        if (nc1Rank > 0) {
            try (NDManager m = Nd.newManager()) {
                maps = m.create(gramMeans, new Shape(k, k)).matMul(m.create(nc1Map, new Shape(k, nc1Rank)))
                        .toDoubleArray();
            }
        }
        return new HostConstants(half, inverse, maps);
    }

    /** Rows per group of blocks whose K-space arithmetic is done together (tests lower it). */
    static int groupRows = 65536;

    /**
     * Rows × K-space columns of a group at most (65,536 rows at K = 10 with a classifier: 10 MB of products). Each group
     * is a round of the workers and a view of the features; with a quarter of this (the earlier size) the benchmark's
     * K = 10 metrics took 0.413 s against 0.386 s (medians of eight alternating runs, one build, slower in every pair),
     * K = 100 1.133 s against 1.097 s; two builds alternating later, 0.409 s against 0.403 s.
     */
    static final long GROUP_ELEMENTS = 65536L * 20;

    /**
     * Rows × K-space columns of a group at most where a round of the workers' full blocks ({@link
     * HostProducts#roundRows}) needs more rows than {@link #GROUP_ELEMENTS} gives (large K): 64 MB of products.
     */
    static final long ROUND_ELEMENTS = 1L << 23;

    /**
     * The cancellation, Σ(‖x_i‖² + 2|x_i·M_{y_i}| + ‖M_{y_i}‖²) / Σ‖h_i − μ_{y_i}‖² over a group, above which
     * its within-class terms are computed from the differences themselves: at 1000 the expanded form still
     * keeps about 12 digits of the group's sum (d = 2048); nearly collapsed features go past it, ordinary
     * ones (ratios of 10-100) never pay for the extra pass over their rows.
     */
    static double CANCELLATION = 1000;

    /**
     * The within-class sums of rows {@code from..to} from d_i = h_i − μ_{y_i} itself, per class (K values),
     * followed by their NC1 sum Σ‖Λ_r⁻¹ U_rᵀ M d_i‖²: no difference of large products anywhere.
     */
    private double[] exactWithin(Batch batch, Constants c, int from, int to, int chunk) {
        int k = classes;
        double[] out = new double[k + 1];
        try (NDManager scope = NDManager.subManagerOf(c.projection)) {
            NDArray centredMeans = c.projection.get(new NDIndex().addSliceDim(0, k));
            centredMeans.attach(scope);
            // h − μ_y from the class means themselves, not as (h − μ_G) − (μ_y − μ_G): near collapse h and μ_y
            // agree in their leading digits and the subtraction is exact, where rounding h − μ_G first would
            // leave an error of ε·‖h − μ_G‖ in every difference
            NDArray means = scope.create(first.means(), new Shape(k, dim));
            NDArray mapT = c.nc1Map.transpose();
            mapT.attach(scope);
            for (int a = from; a < to; a += chunk) {
                int b = Math.min(a + chunk, to);
                try (NDManager block = batch.block(scope, centredMeans, means, mapT)) {
                    NDArray y = batch.labelArray(block, a, b);
                    NDArray diff = batch.rowsFloat64(a, b).sub(means.get(new NDIndex("{}", y)));
                    double[] within = diff.square().sum(new int[] {1}).toDoubleArray();
                    for (int i = a; i < b; i++) {
                        out[batch.labels[i]] += within[i - a];
                    }
                    if (nc1Rank > 0) {
                        out[k] += mapT.matMul(centredMeans.matMul(diff.transpose())).square().sum().getDouble();
                    }
                }
            }
        }
        return out;
    }

    /**
     * Margins at or below this count as non-positive: cosines carry absolute errors of about 1e-14. Decisions use
     * it too, relative to the size of their scores' terms, or less where the dimension is small
     * ({@link #decisionTie}): closer scores are a tie ({@link #firstArgMax}).
     */
    static final double MARGIN_TIE = 1e-12;

    /**
     * Scores closer than this, relative to the size of the terms they are computed from, are a tie: four times a
     * float64 dot product's worst-case relative error, (d + 2)·ε (d products, the centring and the offset), and at
     * most {@link #MARGIN_TIE} (reached at d = 1,124). At d = 2 scores 2e-13 apart were a tie under the fixed 1e-12,
     * where float64 decides them to 1e-15.
     */
    private double decisionTie() {
        return Math.min(MARGIN_TIE, 4 * (dim + 2) * Geometry.EPS);
    }

    /**
     * The K-space arithmetic for rows {@code from..from+b}, on the host, from the products p (a row per sample, x_i·M_k,
     * then x_i·w_k, and NC1's coordinates) and the norms ‖x_i‖: the per-class sums
     * (K×columns), the NC1 sum, the size of the terms the within-class sums cancelled, and with a classifier the
     * smallest margin followed (if kept) by every margin, as one float64 vector. The per-class sums are added in row
     * order.
     */
    private double[] block(int[] labels, int from, int b, HostProducts.SampleRows p, double[] norms) {
        int k = classes;
        boolean w = weights != null;
        int rest = 2 + (w ? 1 + (keepMargins ? b : 0) : 0);
        double[] v = new double[k * columns + rest];
        if (w) {
            v[k * columns + 2] = Double.POSITIVE_INFINITY;
        }
        double tie = decisionTie();
        double[] scores = new double[k];
        // One call per sample, not one long loop here: the JIT then compiles the per-sample method once, early and
        // whole, where a loop over the group was compiled two or three times on the stack (each ~0.1 s of C2 time
        // on a 2-core machine, taken from the metrics' own threads in a one-shot command).
        for (int i = 0; i < b; i++) {
            sample(v, i, labels[from + i], p.values(), i * p.stride(), p.coordinates(), p.at() + i * p.coordinateStride(),
                    norms[i], scores, tie);
        }
        return v;
    }

    /**
     * Sample {@code i} of a {@link #block}'s rows, of class {@code y} and norm {@code hn} = ‖x_i‖, its products at
     * {@code p[row..]} and NC1's coordinates at {@code q[qRow..]}: adds its terms to the per-class sums, NC1's sum and
     * the cancelled size in {@code v}, and with a classifier its margin (the smallest so far kept, and if asked the
     * margin itself).
     */
    private void sample(double[] v, int i, int y, double[] p, int row, double[] q, int qRow, double hn, double[] scores,
            double tie) {
        HostConstants h = host;
        int k = classes;
        int r = nc1Rank;
        int end = k * columns;
        double norm2 = hn * hn;
        double own = p[row + y];
        double ownNorm = gramMeans[y * k + y];
        double within = Math.max(norm2 - own * 2 + ownNorm, 0);
        v[end + 1] += norm2 + Math.abs(own) * 2 + ownNorm;
        double nc1 = v[end];
        for (int j = 0; j < r; j++) {
            double t = q[qRow + j] - h.meanMaps[y * r + j];
            nc1 += t * t;
        }
        v[end] = nc1;
        // argmin_k ‖M_k‖² − 2 x·M_k as argmax_k x·M_k − ‖M_k‖²/2: the same numbers up to an exact factor −2
        for (int a = 0; a < k; a++) {
            scores[a] = p[row + a] - h.halfMeanNorms[a];
        }
        int ncc = firstArgMax(scores, (hn * largestMean + largestMean * largestMean) * tie);
        int at = y * columns;
        v[at + WITHIN] += within;
        v[at + NCC_CORRECT] += ncc == y ? 1 : 0;
        if (weights == null) {
            return;
        }
        double mean = 0;
        for (int a = 0; a < k; a++) {
            double s = p[row + k + a];
            scores[a] = s + logitOffsets[a];
            mean += s;
        }
        mean /= k;
        int pred = firstArgMax(scores, (hn * largestWeight + largestOffset) * tie);
        // ‖x_i‖·cos(x_i, w_k − w̄); the row's factor 1/‖x_i‖ ≥ 0 (0 for a zero vector, whose cosine with
        // everything is 0) is applied after the max over the other classes
        double ownScaled = (p[row + k + y] - mean) * h.inverseWeightNorms[y];
        // the largest over a ≠ y as two branch-free loops, with comparisons where Math.max's NaN and −0 handling would
        // cost (every product is finite here: a non-finite one is refused after the group)
        double other = Double.NEGATIVE_INFINITY;
        for (int a = 0; a < y; a++) {
            double c = (p[row + k + a] - mean) * h.inverseWeightNorms[a];
            other = c > other ? c : other;
        }
        for (int a = y + 1; a < k; a++) {
            double c = (p[row + k + a] - mean) * h.inverseWeightNorms[a];
            other = c > other ? c : other;
        }
        double margin = (ownScaled - other) * (hn > 0 ? 1 / hn : 0);
        v[at + DISAGREE] += pred != ncc ? 1 : 0;
        v[at + CORRECT] += pred == y ? 1 : 0;
        v[at + MARGIN] += margin;
        // a margin within round-off of 0 is a tie (an exact tie comes out as ±1e-16), not a win
        v[at + MARGIN_NON_POSITIVE] += margin <= MARGIN_TIE ? 1 : 0;
        v[end + 2] = Math.min(v[end + 2], margin);
        if (keepMargins) {
            v[end + 3 + i] = margin;
        }
    }

    /**
     * The first index whose score is within {@code tolerance} (the row's {@link #decisionTie} × the size of the terms
     * its scores were computed from) of the largest: closer scores are a tie, and ties go to the first class, as
     * argmax does in NumPy and PyTorch. The scores are computed from h − μ_G, so an exact tie (a zero feature vector
     * without a bias: every logit 0) comes out as differences of round-off, which must not decide it.
     */
    private static int firstArgMax(double[] scores, double tolerance) {
        double top = Double.NEGATIVE_INFINITY;
        for (double s : scores) {
            top = s > top ? s : top;
        }
        double bar = top - tolerance;
        for (int a = 0; a < scores.length; a++) {
            if (scores[a] >= bar) {
                return a;
            }
        }
        return 0;
    }

    /** Adds a batch whose labels are an integer NDArray (on any device). */
    public void add(NDArray features, NDArray labels) {
        add(features, Batch.labels(labels));
    }

    /** Adds another accumulator's sums: the same first pass and classifier over another shard. */
    public void merge(SecondPass other) {
        if (!first.sameAs(other.first) || !Arrays.equals(weights, other.weights)
                || !Arrays.equals(bias, other.bias) || keepMargins != other.keepMargins) {
            throw new UserError("cannot merge second passes made from different means, classifiers or options");
        }
        for (int i = 0; i < perClass.length; i++) {
            perClass[i] += other.perClass[i];
        }
        for (int a = 0; a < classes; a++) {
            seen[a] += other.seen[a];
        }
        nc1Sum += other.nc1Sum;
        marginMin = Math.min(marginMin, other.marginMin);
        margins.addAll(other.margins);
    }

    /** The metrics with the CDNV's distance exponent 2. */
    public CollapseMetrics metrics() {
        return metrics(2.0);
    }

    /**
     * Every metric of {@link CollapseMetrics} but {@code numerical_rank} (NaN here; see
     * {@link NumericalRank}). The second pass must have seen exactly the first pass's class counts.
     */
    public CollapseMetrics metrics(double cdnvExponent) {
        int k = classes;
        long[] counts = first.countsView();
        for (int a = 0; a < k; a++) {
            if (seen[a] != counts[a]) {
                throw new UserError("the second pass saw " + seen[a] + " samples of class " + a + ", the first "
                        + counts[a] + ": feed both passes the same samples");
            }
        }
        double n = first.samples();
        double within = 0;
        double nccCorrect = 0;
        double[] sigma2 = new double[k];
        for (int a = 0; a < k; a++) {
            within += perClass[a * columns + WITHIN];
            nccCorrect += perClass[a * columns + NCC_CORRECT];
            sigma2[a] = perClass[a * columns + WITHIN] / counts[a];
        }
        double between = 0;
        double[] meanNorms = Geometry.norms(gramMeans, k);
        for (double v : meanNorms) {
            between += v * v;
        }
        between /= k;
        double floor = roundOff(within / n, meanNorms);
        double cdnv = 0;
        for (int a = 0; a < k; a++) {
            for (int b = a + 1; b < k; b++) {
                // two means within round-off of each other have no distance to divide by: the CDNV is undefined,
                // whether their last bits happen to agree (0) or not (1e-32, which made it 1e32)
                double dist = meanDistances[a * k + b];
                cdnv += dist <= floor ? Double.NaN
                        : (sigma2[a] + sigma2[b]) / (2 * Math.pow(dist, cdnvExponent / 2));
            }
        }
        cdnv /= k * (k - 1) / 2.0;
        double[] cos = Geometry.pairCosines(gramMeans, k);
        double maxDev = 0;
        for (double c : cos) {
            maxDev = Math.max(maxDev, Math.abs(c + 1.0 / (k - 1)));
        }
        CollapseMetrics.Builder m = new CollapseMetrics.Builder(k, (long) n);
        // With the class means coinciding up to round-off, M = [μ_k − μ_G] is rounding noise: every metric
        // made from it (its directions, norms, angles, the nearest class centre) is undefined, not a number.
        boolean coincide = meansCoincide(between, floor);
        if (!coincide) {
            m.nc1 = nc1Sum / n;
            m.nc1Quotient = within / n / between;
            m.cdnv = cdnv;
            m.nc2Means = Geometry.etfDistance(gramMeans, k);
            m.nccAccuracy = nccCorrect / n;
            m.meanEquinorm = Geometry.stdOverMean(meanNorms);
            m.meanEquiangularity = Geometry.std(cos);
            m.meanMaxAngleDeviation = maxDev;
        }
        if (weights != null) {
            double disagree = 0;
            double correct = 0;
            double marginSum = 0;
            double nonPositive = 0;
            for (int a = 0; a < k; a++) {
                disagree += perClass[a * columns + DISAGREE];
                correct += perClass[a * columns + CORRECT];
                marginSum += perClass[a * columns + MARGIN];
                nonPositive += perClass[a * columns + MARGIN_NON_POSITIVE];
            }
            m.hasClassifier = true;
            m.nc2 = Geometry.etfDistance(gramW, k);
            m.nc3 = coincide ? Double.NaN : Geometry.etfDistance(gramWM, k);
            m.nc4 = coincide ? Double.NaN : disagree / n;
            m.accuracy = correct / n;
            m.wEquinorm = Geometry.stdOverMean(Geometry.norms(gramW, k));
            m.biasRelation = biasRelation;
            boolean undefinedMargins = undefinedMarginRow() >= 0;
            if (undefinedMargins) {
                // a row w_k − w̄ of zero (up to round-off) has no direction: cos(h − μ_G, w_k − w̄) is 0/0, and so is
                // every margin that compares with it (all of them: each sample's max over j ≠ k or own class)
                m.cosineMarginMean = Double.NaN;
                m.cosineMarginMin = Double.NaN;
                m.cosineMarginNegativeFraction = Double.NaN;
            } else {
                m.cosineMarginMean = marginSum / n;
                m.cosineMarginMin = marginMin;
                m.cosineMarginNegativeFraction = nonPositive / n;
            }
            if (keepMargins && !undefinedMargins) {
                double[] all = new double[(int) n];
                int i = 0;
                for (double[] part : margins) {
                    System.arraycopy(part, 0, all, i, part.length);
                    i += part.length;
                }
                Arrays.sort(all);
                m.cosineMargins = all;
            }
        }
        return m.build();
    }

    /**
     * The squared distance below which two points made from the class means are the same up to round-off: the
     * class means carry errors of about ε·‖h‖ (float64 sums), so a squared distance at or below (10⁴ε)² times the
     * features' mean square is noise. With tr Σ_B at or below it the class means coincide, so that Σ_B is noise
     * and NC1 (both forms) and every metric made from M is undefined (NaN) rather than 0 (all features equal: no
     * between-class direction at all) or some huge number (a pseudo-inverse of rounding errors); with one pair's
     * ‖μ_k − μ_l‖² at or below it, the CDNV is undefined.
     */
    private double roundOff(double withinTrace, double[] meanNorms) {
        double scale = withinTrace;
        for (int j = 0; j < dim; j++) {
            scale += globalMean[j] * globalMean[j];
        }
        for (double v : meanNorms) {
            scale = Math.max(scale, v * v);
        }
        double noise = 1e4 * Geometry.EPS;
        return noise * noise * scale;
    }

    /**
     * The first class whose centred classifier row w_k − w̄ is zero up to round-off (‖w_k − w̄‖ at or below 10⁴ε times
     * the largest ‖w_j‖; W = 0 or equal rows), for which the cosine margins are undefined; −1 if there is none (or no
     * classifier).
     */
    public int undefinedMarginRow() {
        return weights == null ? -1 : undefinedMarginRow(weights, classes, dim);
    }

    /**
     * {@link #undefinedMarginRow()} of the classifier {@code w} (K×d, row-major) alone, so that a command can refuse
     * what needs the margins before measuring anything; −1 also for a classifier too small for float64, which the
     * engine refuses with its own message.
     */
    public static int undefinedMarginRow(double[] w, int k, int d) {
        double top = largestAbs(w);
        if (top > 0 && top < TINY) {
            return -1;
        }
        double[] mean = new double[d];
        double largest = 0;
        for (int a = 0; a < k; a++) {
            double s = 0;
            for (int j = 0; j < d; j++) {
                mean[j] += w[a * d + j] / k;
                s += w[a * d + j] * w[a * d + j];
            }
            largest = Math.max(largest, Math.sqrt(s));
        }
        for (int a = 0; a < k; a++) {
            double s = 0;
            for (int j = 0; j < d; j++) {
                double t = w[a * d + j] - mean[j];
                s += t * t;
            }
            if (!(Math.sqrt(s) > 1e4 * Geometry.EPS * largest)) {
                return a;
            }
        }
        return -1;
    }

    private static double largestAbs(double[] values) {
        double largest = 0;
        for (double v : values) {
            largest = Math.max(largest, Math.abs(v));
        }
        return largest;
    }

    /** Whether the class means coincide up to round-off (tr Σ_B at or below {@link #roundOff}). */
    private boolean meansCoincide(double between, double floor) {
        return nc1Rank == 0 || !(between > 0) || between <= floor;
    }

    // ---------------------------------------------------------------- files

    static final String KIND = "nclab.second_pass";

    /** Saves the first pass it was made from, the classifier and the sums so far. */
    public void save(Path file) {
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("kind", KIND);
        meta.put("version", 1);
        meta.put("classifier", weights != null);
        meta.put("keep_margins", keepMargins);
        Npz npz = new Npz().putText("nclab.json", Json.line(meta));
        first.writeTo(npz);
        if (weights != null) {
            npz.put("weights", weights, classes, dim).put("bias", bias, classes);
        }
        npz.put("seen", seen, classes).put("per_class", perClass, classes, columns);
        npz.put("scalars", new double[] {nc1Sum, marginMin}, 2);
        if (keepMargins) {
            double[] all = margins.stream().flatMapToDouble(Arrays::stream).toArray();
            npz.put("margins", all, all.length);
        }
        npz.save(file);
    }

    public static SecondPass load(Path file) {
        Npz npz = Npz.load(file);
        FeatureStats.requireKind(npz, KIND, file);
        boolean classifier = npz.text("nclab.json").contains("\"classifier\":true");
        boolean keep = npz.text("nclab.json").contains("\"keep_margins\":true");
        FeatureStats first = FeatureStats.readFrom(npz);
        // every array's shape against K and d before any is used: a damaged file gives one line, not wrong numbers
        if (classifier && (!Arrays.equals(npz.shape("weights"), new long[] {first.classes(), first.dim()})
                || !Arrays.equals(npz.shape("bias"), new long[] {first.classes()}))) {
            throw new UserError(file + ": malformed second-pass state: the classifier is not K x d = "
                    + first.classes() + " x " + first.dim() + " with K biases");
        }
        SecondPass p = new SecondPass(first, classifier ? npz.doubles("weights") : null,
                classifier ? npz.doubles("bias") : null, keep);
        long[] s = npz.longs("seen");
        double[] pc = npz.doubles("per_class");
        double[] sc = npz.doubles("scalars");
        if (s.length != p.seen.length || pc.length != p.perClass.length || sc.length != 2
                || Arrays.stream(s).anyMatch(c -> c < 0)) {
            throw new UserError(file + ": malformed second-pass sums");
        }
        System.arraycopy(s, 0, p.seen, 0, s.length);
        System.arraycopy(pc, 0, p.perClass, 0, pc.length);
        p.nc1Sum = sc[0];
        p.marginMin = sc[1];
        if (keep) {
            double[] margins = npz.doubles("margins");
            long seenAll = Arrays.stream(s).sum();
            if (margins.length != seenAll) {
                throw new UserError(file + ": malformed second-pass state: " + margins.length + " cosine margins for "
                        + seenAll + " samples seen");
            }
            p.margins.add(margins);
        }
        return p;
    }
}
