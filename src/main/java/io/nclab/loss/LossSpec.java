package io.nclab.loss;

import io.nclab.UserError;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The one grammar that names a loss everywhere (CLI, configs, sweeps): {@code name[:key=value[,key=value]]}.
 *
 * <ul>
 *   <li>{@code ce}</li>
 *   <li>{@code focal:gamma=3} (γ ≥ 0, default 3)</li>
 *   <li>{@code ls:alpha=0.1} (0 ≤ α &lt; 1, default 0.1)</li>
 *   <li>{@code mse:alpha=1,m=1} (α &gt; 0, M &gt; 0, defaults 1 and 1; {@code mse} alone is vanilla MSE)</li>
 * </ul>
 */
public final class LossSpec {
    private LossSpec() {}

    /** What the grammar accepts, for error messages and --help. */
    public static final String ACCEPTED =
            "ce | focal[:gamma=G] (G >= 0, default 3) | ls[:alpha=A] (0 <= A < 1, default 0.1)"
                    + " | mse[:alpha=A,m=M] (A > 0, M > 0, defaults 1,1)";

    public static Loss parse(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new UserError("empty loss spec; accepted: " + ACCEPTED);
        }
        String s = spec.trim();
        String name = s;
        String params = "";
        int colon = s.indexOf(':');
        if (colon >= 0) {
            name = s.substring(0, colon);
            params = s.substring(colon + 1);
        }
        name = name.toLowerCase(Locale.ROOT);
        Map<String, Double> kv = parseParams(spec, params);
        try {
            switch (name) {
                case "ce":
                    allowOnly(spec, kv, List.of());
                    return new CrossEntropy();
                case "focal":
                    allowOnly(spec, kv, List.of("gamma"));
                    return new FocalLoss(kv.getOrDefault("gamma", 3.0));
                case "ls":
                    allowOnly(spec, kv, List.of("alpha"));
                    return new LabelSmoothing(kv.getOrDefault("alpha", 0.1));
                case "mse":
                    allowOnly(spec, kv, List.of("alpha", "m"));
                    return new RescaledMse(kv.getOrDefault("alpha", 1.0), kv.getOrDefault("m", 1.0));
                default:
                    throw new UserError("unknown loss '" + name + "' in '" + spec + "'; accepted: " + ACCEPTED);
            }
        } catch (IllegalArgumentException e) {
            throw new UserError("bad loss '" + spec + "': " + e.getMessage() + "; accepted: " + ACCEPTED);
        }
    }

    /** A loss as figures and legends name it: the paper's words and its parameters. */
    public static String label(Loss loss) {
        if (loss instanceof RescaledMse mse) {
            return mse.vanilla() ? "vanilla MSE" : "rescaled MSE (α = " + shown(mse.alpha()) + ", M = " + shown(mse.m()) + ")";
        }
        if (loss instanceof FocalLoss focal) {
            return "focal (γ = " + shown(focal.gamma()) + ")";
        }
        if (loss instanceof LabelSmoothing ls) {
            return "LS (α = " + shown(ls.alpha()) + ")";
        }
        return loss.name().equals("ce") ? "CE" : loss.spec();
    }

    /** The label of a loss spec (see {@link #label(Loss)}). */
    public static String label(String spec) {
        return label(parse(spec));
    }

    /**
     * The losses of a comma-separated list ({@link #splitList}), parsed, each at most once (a repeated loss
     * would draw the same curve twice under one name); {@code option} names the list in the error.
     */
    public static List<Loss> parseList(String list, String option) {
        List<Loss> out = new ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (String piece : splitList(list)) {
            Loss loss = parse(piece);
            if (!seen.add(loss.spec())) {
                throw new UserError(option + " lists " + loss.spec() + " twice");
            }
            out.add(loss);
        }
        return out;
    }

    /**
     * Splits a comma-separated list of specs, where commas also separate a spec's own parameters:
     * {@code ce,focal:gamma=3,mse:alpha=1,m=15} is three specs. A piece containing '=' but no ':'
     * continues the previous spec. A blank list is empty; an empty entry inside a list is an error.
     */
    public static List<String> splitList(String list) {
        List<String> out = new ArrayList<>();
        if (list.isBlank()) {
            return out;
        }
        for (String piece : list.split(",", -1)) {
            String p = piece.trim();
            if (p.isEmpty()) {
                throw new UserError("empty loss in the list '" + list + "' (losses are separated by single commas)");
            }
            if (p.contains("=") && !p.contains(":") && !out.isEmpty()) {
                out.set(out.size() - 1, out.get(out.size() - 1) + "," + p);
            } else {
                out.add(p);
            }
        }
        return out;
    }

    /** A decimal number as a user types it: 3, -0.5, .1, 1e-3, 2.5E+2. */
    private static final java.util.regex.Pattern NUMBER =
            java.util.regex.Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");

    private static Map<String, Double> parseParams(String spec, String params) {
        Map<String, Double> kv = new LinkedHashMap<>();
        if (params.isBlank()) {
            if (spec.contains(":")) { // "focal:" says a parameter was meant
                throw new UserError("nothing after ':' in loss '" + spec + "' (expected key=value); accepted: "
                        + ACCEPTED);
            }
            return kv;
        }
        for (String part : params.split(",", -1)) { // -1: "gamma=3," has an empty last parameter
            int eq = part.indexOf('=');
            if (eq <= 0) {
                throw new UserError("bad loss parameter '" + part + "' in '" + spec
                        + "' (expected key=value); accepted: " + ACCEPTED);
            }
            String key = part.substring(0, eq).trim().toLowerCase(Locale.ROOT);
            String val = part.substring(eq + 1).trim();
            double v;
            try {
                // a decimal number only: Java would also read 3d, 3f and 0x1p1
                v = NUMBER.matcher(val).matches() ? Double.parseDouble(val) : Double.NaN;
            } catch (NumberFormatException e) {
                v = Double.NaN;
            }
            if (v == 0 && val.replaceAll("[eE].*", "").matches(".*[1-9].*")) { // 1e-400
                throw new UserError("loss parameter " + key + "='" + val + "' in '" + spec + "' is too small for a"
                        + " float64 (it would read as 0)");
            }
            if (!Double.isFinite(v)) { // "inf", "Infinity" and "NaN" too
                throw new UserError("loss parameter " + key + "='" + val + "' in '" + spec
                        + "' is not a finite number; accepted: " + ACCEPTED);
            }
            if (kv.put(key, v) != null) {
                throw new UserError("loss parameter " + key + " given twice in '" + spec + "'");
            }
        }
        return kv;
    }

    private static void allowOnly(String spec, Map<String, Double> kv, List<String> keys) {
        for (String k : kv.keySet()) {
            if (!keys.contains(k)) {
                throw new UserError("unknown parameter '" + k + "' for loss in '" + spec + "'"
                        + (keys.isEmpty() ? " (it takes none)" : " (it takes " + String.join(", ", keys) + ")")
                        + "; accepted: " + ACCEPTED);
            }
        }
    }

    /** A parameter as titles and legends show it: 0.000123456, 1.5e-7 (the spec's own text may read 1.5E-7). */
    private static String shown(double v) {
        return io.nclab.io.Csv.plain(v);
    }

    /** A number as the shortest text that reads back to it: 3 not 3.0, 0.1 not 0.1000. */
    public static String format(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return Double.toString(v);
    }
}
