package io.nclab.cli;

import io.nclab.UserError;
import io.nclab.experiment.Provenance;
import io.nclab.io.AtomicFiles;
import io.nclab.io.Csv;
import io.nclab.io.Json;
import io.nclab.io.Npy;
import io.nclab.theory.TheoryOracle;
import io.nclab.theory.TheoryPrediction;
import io.nclab.ufm.UfmProblem;
import io.nclab.ufm.UfmRun;
import io.nclab.ufm.UfmSettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code nclab ufm}: solve the unconstrained feature model and compare with the theory. */
@Command(name = "ufm", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Solve the unconstrained feature model (UFM) with a loss of the family, log the objective and"
                + " NC1-NC3 as it goes, and compare the result with the theory's global optimum.")
public final class UfmCommand implements Callable<Integer> {


    @Mixin
    ProblemOptions problem;

    @Mixin
    ComputeOptions compute;

    @Option(names = "--optimizer", defaultValue = "lbfgs", paramLabel = "gd|adam|lbfgs",
            description = "Solver: full-batch gradient descent, Adam or L-BFGS (strong Wolfe). Default: ${DEFAULT-VALUE}.")
    String optimizer;

    @Option(names = "--lr", paramLabel = "X",
            description = "Step size (gd, adam) or first step length (lbfgs). Default: 1 for gd and lbfgs, 0.01 for adam.")
    Double lr;

    @Option(names = "--iters", defaultValue = "500", paramLabel = "N", description = "Iteration budget. Default: ${DEFAULT-VALUE}.")
    int iters;

    @Option(names = "--tol", defaultValue = "1e-10", paramLabel = "X",
            description = "Stop once the gradient norm is at most X (0: never). Default: ${DEFAULT-VALUE}.")
    double tol;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "S", description = "Seed of the Gaussian initialisation. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--init-scale", defaultValue = "0.1", paramLabel = "X",
            description = "Standard deviation of the initial entries of W and H. Default: ${DEFAULT-VALUE}.")
    double initScale;

    @Option(names = "--log-every", defaultValue = "50", paramLabel = "N", description = "Log every N iterations. Default: ${DEFAULT-VALUE}.")
    int logEvery;

    @Option(names = "--out", paramLabel = "DIR", description = "Write config.json, trajectory.csv, result.json and the solution (W.npy K x d, b.npy,"
            + " features.npy N x d with row i the feature h_i, i.e. the transpose of the papers' H, and labels.npy)"
            + " here.")
    Path out;

    @Option(names = "--json", description = "Print one JSON object on standard output, alone (what the command otherwise prints goes to standard error).")
    boolean json;

    static double defaultLr(String optimizer) {
        return optimizer.equalsIgnoreCase("adam") ? 0.01 : 1.0;
    }

    /**
     * The solve the options describe, every option checked but --out (a sweep checks its runs this way first;
     * their directories are the sweep's).
     */
    /**
     * The largest solve: the iterate, its gradient and L-BFGS's 20 history vectors are native arrays of the
     * parameter count (about 22 × 8 bytes × 2·10⁷ ≈ 3.5 GB).
     */
    static final long MAX_PARAMETERS = 20_000_000;

    /** The most logits K·N: about ten K × N arrays of doubles per evaluation (≈ 4 GB at 5·10⁷). */
    static final long MAX_LOGITS = 50_000_000;

    UfmSettings check() {
        compute.check();
        UfmProblem p = problem.problem();
        p.requireAtMost(MAX_PARAMETERS, MAX_LOGITS, "ufm solves", "");
        double step = lr != null ? lr : defaultLr(optimizer);
        UfmSettings s = new UfmSettings(p, optimizer.toLowerCase(Locale.ROOT), step, iters, tol, seed, initScale, logEvery);
        return s;
    }

    /** Refuses an --out that is not a writable folder, holds others' files or already holds a ufm run's result. */
    private void checkOut() {
        if (out != null) {
            io.nclab.experiment.Provenance.requireOutputFolder(out, "ufm", "--out");
            if (java.nio.file.Files.exists(out.resolve(io.nclab.experiment.RunImport.UFM_RESULT))) {
                throw new UserError("--out " + out + " already holds a ufm run (" + io.nclab.experiment.RunImport.UFM_RESULT
                        + "); give another --out");
            }
        }
    }

    @Override
    public Integer call() {
        UfmSettings s = check();
        checkOut();
        UfmProblem p = s.problem();
        int threadsUsed = compute.apply((double) p.classes() * p.dim() * p.samples());
        double step = s.lr();
        TheoryPrediction theory = TheoryOracle.predict(p);
        // the progress lines come with --json too (the contract: the JSON object is the last line)
        Main.text(json).printf(Locale.ROOT, "UFM: loss %s, K=%d, d=%d, N=%d, lambda_w=%g lambda_h=%g lambda_b=%s, %s lr=%g%n",
                p.loss().spec(), p.classes(), p.dim(), p.samples(), p.lambdaW(), p.lambdaH(),
                p.bias() ? String.format(Locale.ROOT, "%g", p.lambdaB()) : "(no bias)", s.optimizer(), step);
        List<UfmRun.Row> rows = new ArrayList<>();
        double[][] last = new double[3][]; // the final W (K×d), H as rows h_i (N×d) and b (K)
        UfmRun.Outcome o = UfmRun.solve(s, x -> UfmRun.collapse(p, x), row -> {
            rows.add(row);
            Main.text(json).printf(Locale.ROOT, "iter %6d  f=%.12g  |grad|=%.3e  nc1=%.3e  nc2=%.3e  nc3=%.3e%n",
                    row.iteration(), row.objective(), row.gradNorm(), row.metrics().getOrDefault("nc1", Double.NaN),
                    row.metrics().getOrDefault("nc2", Double.NaN), row.metrics().getOrDefault("nc3", Double.NaN));
        }, out == null ? null : x -> {
            last[0] = x.w().toDoubleArray();
            last[1] = x.h().transpose().toDoubleArray();
            last[2] = x.b().toDoubleArray();
        }, line -> {
            System.err.println(line);
            System.err.flush();
        });
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("objective", o.result().value());
        result.put("theory_objective", theory == null ? null : theory.objective());
        result.put("relative_gap", theory == null ? null
                : (o.result().value() - theory.objective()) / Math.max(Math.abs(theory.objective()), Double.MIN_NORMAL));
        result.put("theory_regime", theory == null ? "none: " + TheoryOracle.whyNot(p) : theory.regime());
        result.put("grad_norm", o.result().gradNorm());
        // Where the theory's minimiser is W = H = 0 and the solver reached it there are no features to collapse: the
        // scale-invariant metrics of its leftovers (about 1e-9) would measure round-off, so they are undefined
        // (null). A solver stopped away from the origin (too few iterations) has features: their metrics stand.
        // Without a theory (rescaled MSE with alpha != 1, say) the same holds where dropping W and H altogether
        // leaves the objective as it is: the solver ended at the origin.
        boolean atOrigin = theory != null && theory.minimiserAtOrigin();
        boolean zero = atOrigin ? Math.abs((Double) result.get("relative_gap")) <= io.nclab.report.Claims.UFM_GAP // reached it
                : theory == null && o.atOrigin(io.nclab.report.Claims.UFM_GAP);
        for (String k : new String[] {"nc1", "nc2", "nc3"}) {
            result.put(k, zero ? null : o.metrics().get(k));
        }
        result.put("w_norm", o.wNorm());
        result.put("h_norm", o.hNorm());
        result.put("b_norm", o.bNorm());
        result.put("iterations", o.result().iterations());
        result.put("seconds", o.seconds());
        result.put("measure_seconds", o.measureSeconds());
        result.put("stop_reason", o.result().stopReason());
        result.put("loss", p.loss().spec());
        if (out != null) {
            Map<String, Object> settings = new LinkedHashMap<>(problem.settings());
            settings.put("optimizer", s.optimizer());
            settings.put("lr", step);
            settings.put("iters", iters);
            settings.put("tol", tol);
            settings.put("seed", seed);
            settings.put("init_scale", initScale);
            settings.put("log_every", logEvery);
            settings.put("threads", compute.threads);
            settings.put("threads_used", threadsUsed);
            // all or nothing, as every figure command writes: a failed write (a full disk) takes back what it added
            Provenance.writing(out, "ufm", settings, () -> {
                AtomicFiles.writeString(out.resolve("trajectory.csv"), csv(rows));
                // the solution itself, as `nclab metrics` and NumPy read it: W, b, the features as rows (Hᵀ), labels
                Npy.write(out.resolve("W.npy"), last[0], p.classes(), p.dim());
                Npy.write(out.resolve("features.npy"), last[1], p.samples(), p.dim());
                Npy.write(out.resolve("b.npy"), last[2], p.classes());
                Npy.writeLabels(out.resolve("labels.npy"), p.labels());
                Json.writeResult(out.resolve(io.nclab.experiment.RunImport.UFM_RESULT), result);
                return null;
            });
        }
        if (json) {
            System.out.println(Json.result(result));
        } else {
            Main.text(json).printf(Locale.ROOT, "stopped after %d iterations (%s) in %.3f s (+%.3f s measuring the %,d"
                    + " logged rows)%n", o.result().iterations(), o.result().stopReason(), o.seconds(),
                    o.measureSeconds(), rows.size());
            Main.text(json).printf(Locale.ROOT, "objective %.15g%n", o.result().value());
            if (theory != null) {
                Main.text(json).printf(Locale.ROOT, "theory    %.15g  (%s; relative gap %.2e)%n", theory.objective(), theory.regime(),
                        (Double) result.get("relative_gap"));
                if (zero) {
                    Main.text(json).println("collapse  undefined: the global minimiser is W = H = 0 (NC1-NC3 of the solver's"
                            + " round-off are not reported)");
                } else if (atOrigin) {
                    Main.text(json).println("note      the global minimiser is W = H = 0, but the solver stopped away from it:"
                            + " NC1-NC3 are those of the point it reached");
                } else if (o.result().converged()
                        && (Double) result.get("relative_gap") > io.nclab.report.Claims.UFM_GAP) {
                    // every critical point of the UFM is a global minimiser or a strict saddle (both papers)
                    String start = initScale < 1e-6
                            ? String.format(Locale.ROOT, " (a start of scale %.3g is next to W = H = 0)", initScale) : "";
                    Main.text(json).printf(Locale.ROOT, "note      the gradient is within --tol at a critical point above"
                            + " the optimum: a strict saddle%s; start farther out or escape it with `nclab saddle`%n",
                            start);
                }
            } else {
                Main.text(json).println("theory    none applies: " + TheoryOracle.whyNot(p));
                if (zero) {
                    Main.text(json).println("collapse  undefined: the solver ended at W = H = 0 (dropping W and H leaves the"
                            + " objective as it is; NC1-NC3 of its round-off are not reported)");
                }
            }
            if (out != null) {
                Main.text(json).println("wrote " + out.resolve("config.json") + ", trajectory.csv, result.json and the"
                        + " solution W.npy, b.npy, features.npy (rows h_i), labels.npy");
            }
        }
        return 0;
    }

    /** One row per logged step: iteration, objective, gradient norm, seconds, then every metric. */
    private static String csv(List<UfmRun.Row> rows) {
        List<Map<String, Object>> maps = new ArrayList<>();
        for (UfmRun.Row r : rows) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("iteration", r.iteration());
            m.put("objective", r.objective());
            m.put("grad_norm", r.gradNorm());
            m.put("seconds", r.seconds());
            m.putAll(r.metrics());
            maps.add(m);
        }
        return Csv.ofMaps(Csv.columnsOf(maps), maps);
    }
}
