package io.nclab.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import io.nclab.UserError;
import io.nclab.curvature.SaddleAnalysis;
import io.nclab.io.AtomicFiles;
import io.nclab.io.Json;
import io.nclab.io.Npz;
import java.nio.file.Path;
import java.util.Arrays;
import io.nclab.ufm.UfmProblem;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code nclab saddle}: strict saddles of the UFM, escapes from them, and the curvature at the minimiser. */
@Command(name = "saddle", mixinStandardHelpOptions = true,
        description = "Builds critical points of the UFM that are not global minimisers (the origin, a"
                + " rank-deficient one), reports their gradient norm and most negative Hessian eigenvalue,"
                + " escapes along that direction to the theory's global objective, and checks the curvature"
                + " at the solver's minimiser. Problems up to " + SaddleCommand.LIMITS + ".")
public final class SaddleCommand implements Callable<Integer> {

    @Mixin
    ProblemOptions problem;

    @Mixin
    ComputeOptions compute;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "S",
            description = "Seed of the random starts. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--no-escape", description = "Skip the escapes (curvature only).")
    boolean noEscape;

    @Option(names = "--json", description = "Print one JSON object on standard output, alone (what the command otherwise prints goes to standard error).")
    boolean json;

    @Option(names = "--direction-out", paramLabel = "FILE.npz",
            description = "Also write each examined critical point and its unit eigenvector of the smallest Hessian"
                    + " eigenvalue (the negative-curvature direction) as a NumPy .npz: arrays <kind>_W (K x d),"
                    + " <kind>_H (d x N), <kind>_b (K, with a bias) of the point and <kind>_direction_W/_H/_b of the"
                    + " direction, kind = origin or rank_deficient, and nclab.json with their eigenvalues.")
    Path directionOut;

    private static final ObjectMapper SNAKE = Json.MAPPER.copy()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

    static final String LIMITS = "2,000,000 parameters Kd + dN + K (Lanczos and L-BFGS keep about 60 vectors of"
            + " that length, 1 GB) and 20,000,000 logits K*N (about ten K x N arrays, 1.6 GB)";

    /**
     * A critical point's numbers as --json and the --direction-out archive give them: every field but the point
     * and the direction themselves (Kd + dN + K numbers each, which the archive holds as arrays).
     */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> fields(SaddleAnalysis.CriticalPoint c) {
        Map<String, Object> m = SNAKE.convertValue(c, LinkedHashMap.class);
        m.remove("point");
        m.remove("direction");
        return m;
    }

    /** The examined critical points and their directions, unflattened into W, H and b. */
    private Npz directions(UfmProblem p, SaddleAnalysis.Report r) {
        Npz npz = new Npz();
        int k = p.classes();
        int d = p.dim();
        int n = p.samples();
        List<Map<String, Object>> meta = new java.util.ArrayList<>();
        for (SaddleAnalysis.CriticalPoint c : r.criticalPoints()) {
            for (String what : new String[] {"", "direction_"}) {
                double[] v = what.isEmpty() ? c.point() : c.direction();
                String name = c.kind() + "_" + what;
                npz.put(name + "W", Arrays.copyOfRange(v, 0, k * d), k, d);
                npz.put(name + "H", Arrays.copyOfRange(v, k * d, k * d + d * n), d, n);
                if (p.bias()) {
                    npz.put(name + "b", Arrays.copyOfRange(v, k * d + d * n, k * d + d * n + k), k);
                }
            }
            meta.add(fields(c));
        }
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("kind", "saddle-directions");
        info.put("version", 1);
        info.putAll(problem.settings());
        info.put("seed", seed);
        info.put("critical_points", meta);
        return npz.putText("nclab.json", Json.line(info));
    }

    @Override
    public Integer call() {
        SaddleAnalysis.Settings base = SaddleAnalysis.Settings.standard(seed);
        SaddleAnalysis.Settings s = new SaddleAnalysis.Settings(base.seed(), base.negativeTolerance(), base.lanczos(),
                base.solverIterations(), base.solverTolerance(), base.maxRounds(), !noEscape, base.denseLimit());
        compute.check();
        UfmProblem ufm = problem.problem();
        if (!(ufm.lambdaW() > 0 && ufm.lambdaH() > 0)) {
            throw new UserError("saddle needs --lambda-w and --lambda-h > 0: without weight decay on both the UFM"
                    + " has no minimiser (rescaling W up and H down lowers f towards its infimum)");
        }
        ufm.requireAtMost(SaddleAnalysis.MAX_PARAMETERS, SaddleAnalysis.MAX_LOGITS, "saddle takes",
                "the memory Lanczos and the Hessian products need");
        if (directionOut != null) {
            AtomicFiles.requireWritableAs(directionOut, ".npz", "--direction-out"); // a NumPy archive
        }
        int threadsUsed = compute.apply((double) ufm.classes() * ufm.dim() * ufm.samples());
        long start = System.nanoTime();
        SaddleAnalysis.Report r = SaddleAnalysis.analyse(ufm, s, stage -> {
            System.err.printf(java.util.Locale.ROOT, "saddle: %s (%.1f s)%n", stage, (System.nanoTime() - start) / 1e9);
            System.err.flush();
        });

        Main.text(json).printf("%-15s %5s %14s %11s %14s %9s  %s%n", "critical point", "rank", "objective", "|grad f|",
                "min eigenvalue", "products", "escape");
        for (SaddleAnalysis.CriticalPoint c : r.criticalPoints()) {
            String esc;
            if (c.escape() == null) {
                esc = "-";
            } else if (c.escape().rounds().isEmpty()) {
                esc = String.format("none: no negative curvature, %s (gap %.2g)", c.escape().reachedGlobal()
                        ? "a global minimiser here" : "a local minimiser above f*", c.escape().relativeGap());
            } else {
                esc = String.format("%s after %d round(s): f = %.10g (gap %.2g)",
                        c.escape().reachedGlobal() ? "reached f*" : "did NOT reach f*", c.escape().rounds().size(),
                        c.escape().objective(), c.escape().relativeGap());
            }
            Main.text(json).printf("%-15s %5d %14.8g %11.3g %14.6g %9d  %s%n", c.kind(), c.rank(), c.objective(),
                    c.gradNorm(), c.minEigenvalue(), c.lanczosProducts(), esc);
        }
        if (r.criticalPoints().size() == 1) {
            Main.text(json).println(SaddleAnalysis.deficientRank(ufm) < 1
                    ? "no rank-deficient critical point: d = " + ufm.dim() + " leaves no rank between the origin's 0 and"
                            + " the minimiser's"
                    : "no rank-deficient critical point: the global minimiser is the origin itself");
        }
        for (SaddleAnalysis.CriticalPoint c : r.criticalPoints()) {
            if (!c.lanczosConverged()) {
                Main.text(json).printf("  %s: Lanczos did NOT converge in %d products (residual %.2g): its min eigenvalue is"
                        + " an upper bound%n", c.kind(), c.lanczosProducts(), c.eigenResidual());
            }
        }
        Main.text(json).printf("global objective f* = %.12g (%s); solver from a random start: %.12g, |grad f| = %.3g%s%n",
                r.globalObjective(), r.globalSource(), r.solverObjective(), r.globalGradNorm(),
                !r.solverStopReason().equals("iteration budget") ? ""
                        : String.format(" (NOT converged to |grad f| <= %.0e in %d iterations%s)",
                        s.solverTolerance(), s.solverIterations(), r.globalSource().equals("solver")
                                ? ": f* and every 'reached f*' rest on it" : ""));
        Main.text(json).printf("smallest eigenvalue at the solver's minimiser: %.3g (%d products, %.2f s)%s%n",
                r.globalMinEigenvalue(), r.globalLanczosProducts(), r.globalLanczosSeconds(),
                r.globalLanczosConverged() ? "" : " (Lanczos did NOT converge: an upper bound)");
        if (r.zeroModes() != null) {
            Main.text(json).printf("zero eigenvalues (|lambda| <= %.0e): %d; rotation orbit dimension: %d;"
                    + " smallest eigenvalue beyond them: %s%n", s.negativeTolerance(), r.zeroModes(),
                    r.rotationModes(), r.transverseMinEigenvalue() == null ? "none"
                            : String.format("%.6g", r.transverseMinEigenvalue()));
            int extra = r.zeroModes() - r.rotationModes();
            if (extra > 0 && extra == r.subspaceModes()) {
                Main.text(json).printf("  the other %d zero eigenvalues: d = %d is below the target's %d equal singular"
                        + " values, so the best rank-%d subspace is not unique (a Grassmannian of dimension %d)%n",
                        extra, ufm.dim(), ufm.bias() ? ufm.classes() - 1 : ufm.classes(), ufm.dim(), extra);
            } else if (extra != 0) {
                Main.text(json).printf("  %d zero eigenvalues %s the rotation symmetry explains (%d expected from the"
                        + " choice of subspace)%n", Math.abs(extra), extra > 0 ? "more than" : "fewer than",
                        r.subspaceModes());
            }
        }
        Main.text(json).printf("one Hessian-vector product: %.3g ms; one gradient: %.3g ms (ratio %.2f)%n",
                1e3 * r.secondsPerProduct(), 1e3 * r.secondsPerGradient(),
                r.secondsPerProduct() / r.secondsPerGradient());
        if (directionOut != null) {
            directions(ufm, r).save(directionOut);
            Main.text(json).println("wrote " + directionOut);
        }
        if (json) {
            Map<String, Object> out = new LinkedHashMap<>(problem.settings());
            out.put("seed", seed);
            out.put("threads_used", threadsUsed);
            @SuppressWarnings("unchecked")
            Map<String, Object> fields = SNAKE.convertValue(r, Map.class);
            fields.put("critical_points", r.criticalPoints().stream().map(SaddleCommand::fields).toList());
            out.putAll(fields);
            System.out.println(Json.result(out));
        }
        return 0;
    }
}
