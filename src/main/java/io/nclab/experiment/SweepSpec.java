package io.nclab.experiment;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.nclab.UserError;
import io.nclab.io.IoErrors;
import io.nclab.io.Json;
import io.nclab.loss.LossSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A sweep: the cartesian product of losses × every grid axis × seeds, each combination one run of a child
 * command ({@code train} or {@code ufm}) with the fixed {@code options} added. Grid axes and options are
 * named by their command-line flags without the dashes ({@code width}, {@code per-class}); a value
 * {@code true} stands for a flag given alone and {@code false} for a flag left out.
 *
 * <p>The JSON form ({@code --file sweep.json}, and {@code sweep.json} in the sweep directory):
 * <pre>{"name": "fmnist", "command": "train", "losses": ["ce", "focal:gamma=3"],
 *  "grid": {"width": [0.25, 1], "epochs": [10, 20]}, "seeds": [0, 1, 2],
 *  "options": {"dataset": "fashion-mnist", "per-class": 500}}</pre>
 */
public record SweepSpec(String name, String command, List<String> losses, Map<String, List<String>> grid,
        List<Long> seeds, Map<String, String> options) {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
    private static final Pattern FLAG = Pattern.compile("[a-z][a-z0-9-]*");
    /** Flags the sweep sets itself for every run. */
    private static final Set<String> RESERVED = Set.of("out", "json", "resume", "loss", "seed", "threads", "help",
            "version");

    public SweepSpec {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new UserError("--name must be letters, digits, '.', '_' or '-' (starting with a letter or digit), got '"
                    + name + "'");
        }
        if (command == null || !FLAG.matcher(command).matches()) {
            throw new UserError("a sweep's command must be a subcommand such as train or ufm, got '" + command + "'");
        }
        if (losses == null) {
            losses = List.of("ce");
        } else if (losses.isEmpty()) {
            // given, but blank (--losses '', "losses": [] or ""): not the default, as landscape --losses '' is not
            throw new UserError("--losses names no loss");
        }
        List<String> normalised = new ArrayList<>();
        for (String l : losses) {
            String spec = LossSpec.parse(l).spec();
            if (normalised.contains(spec)) {
                throw new UserError("loss " + spec + " is listed twice");
            }
            normalised.add(spec);
        }
        losses = List.copyOf(normalised);
        Map<String, List<String>> g = new LinkedHashMap<>();
        Map<String, String> spelt = new java.util.HashMap<>(); // each option as first written, for the error below
        for (Map.Entry<String, List<String>> e : (grid == null ? Map.<String, List<String>>of() : grid).entrySet()) {
            String key = flag(e.getKey(), true);
            if (e.getValue() == null || e.getValue().isEmpty()) {
                throw new UserError("--grid " + key + " has no values");
            }
            // the same number written two ways (1e-3 and 0.001) is the same run twice
            if (e.getValue().stream().map(SweepSpec::sameValue).distinct().count() != e.getValue().size()) {
                throw new UserError("--grid " + key + " lists a value twice: " + e.getValue());
            }
            if (g.put(key, List.copyOf(e.getValue())) != null) {
                throw sameOption("--grid", spelt.get(key), e.getKey());
            }
            spelt.put(key, e.getKey());
        }
        grid = java.util.Collections.unmodifiableMap(g);
        if (seeds == null || seeds.isEmpty()) {
            seeds = List.of(0L);
        }
        if (new HashSet<>(seeds).size() != seeds.size()) {
            throw new UserError("--seeds lists a seed twice: " + seeds);
        }
        seeds = List.copyOf(seeds);
        Map<String, String> o = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : (options == null ? Map.<String, String>of() : options).entrySet()) {
            String key = flag(e.getKey(), false);
            if (grid.containsKey(key)) {
                throw new UserError("--" + key + " is both a fixed option and a --grid axis");
            }
            String value = e.getValue() == null ? "true" : e.getValue();
            if (key.equals(DATA_DIR) && !value.isBlank()) {
                // absolute: a sweep continued from another directory (by --name alone) finds its data
                value = Path.of(value).toAbsolutePath().normalize().toString();
            }
            if (o.put(key, value) != null) {
                throw sameOption("option", spelt.get(key), e.getKey());
            }
            spelt.put(key, e.getKey());
        }
        options = java.util.Collections.unmodifiableMap(o);
    }

    /** The option naming a folder of data, kept absolute (a relative one held only from where the sweep began). */
    private static final String DATA_DIR = "data-dir";

    /** Two spellings of one option (Dim and dim, per-class and per_class): given twice, not merged. */
    private static UserError sameOption(String what, String first, String second) {
        return new UserError(what + " '" + first + "' and '" + second + "' are the same option given twice (an"
                + " option's name is the same in any case, with - or _)");
    }

    /** The option name of a --grid axis or a fixed option ({@code width}, {@code --per-class}). */
    private static String flag(String raw, boolean axis) {
        String key = raw.startsWith("--") ? raw.substring(2) : raw;
        key = key.replace('_', '-').toLowerCase(Locale.ROOT);
        if (!FLAG.matcher(key).matches()) {
            throw new UserError((axis ? "--grid axis '" : "option '") + raw + "' is not an option name");
        }
        if (RESERVED.contains(key)) {
            String how = switch (key) {
                case "loss" -> ": give the losses with --losses";
                case "seed" -> ": give the seeds with --seeds";
                case "threads" -> ": give each run's threads with --threads";
                default -> " for every run";
            };
            throw new UserError((axis ? "--grid axis '" + key + "'" : "option --" + key) + " is set by the sweep itself"
                    + how);
        }
        return key;
    }

    /** The snake_case name of a flag, as config.json and the results database spell it. */
    public static String settingName(String flag) {
        return flag.replace('-', '_');
    }

    /** The runs, in order: losses outermost, then the grid axes in the order given, seeds innermost. */
    public List<RunSpec> runs() {
        List<Map<String, String>> combos = new ArrayList<>();
        combos.add(new LinkedHashMap<>());
        for (Map.Entry<String, List<String>> axis : grid.entrySet()) {
            List<Map<String, String>> next = new ArrayList<>();
            for (Map<String, String> c : combos) {
                for (String v : axis.getValue()) {
                    Map<String, String> m = new LinkedHashMap<>(c);
                    m.put(axis.getKey(), v);
                    next.add(m);
                }
            }
            combos = next;
        }
        List<RunSpec> runs = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (String loss : losses) {
            for (Map<String, String> c : combos) {
                for (long seed : seeds) {
                    StringBuilder id = new StringBuilder(safe(loss.replace(':', '-').replace(',', '-')));
                    List<String> args = new ArrayList<>();
                    options.forEach((k, v) -> addFlag(args, k, v));
                    Map<String, String> varied = new LinkedHashMap<>();
                    c.forEach((k, v) -> {
                        addFlag(args, k, v);
                        varied.put(settingName(k), v);
                        id.append('_').append(k).append('=').append(safe(v));
                    });
                    args.add("--loss");
                    args.add(loss);
                    args.add("--seed");
                    args.add(Long.toString(seed));
                    id.append("_seed=").append(seed);
                    if (!ids.add(id.toString())) {
                        throw new UserError("two runs of the sweep would share the directory " + id);
                    }
                    runs.add(new RunSpec(id.toString(), loss, seed, varied, args));
                }
            }
        }
        return runs;
    }

    private static String safe(String s) {
        return s.replaceAll("[^A-Za-z0-9.=+-]", "-");
    }

    private static void addFlag(List<String> args, String key, String value) {
        if (value.equalsIgnoreCase("false")) {
            return;
        }
        args.add("--" + key);
        if (!value.equalsIgnoreCase("true")) {
            args.add(value);
        }
    }

    /** The JSON form, as sweep.json holds it. */
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("command", command);
        m.put("losses", losses);
        m.put("grid", grid);
        m.put("seeds", seeds);
        m.put("options", options);
        return m;
    }

    /** A grid value as compared for repeats: a decimal number by its exact value, anything else as written. */
    private static Object sameValue(String v) {
        try {
            return new java.math.BigDecimal(v.strip()).stripTrailingZeros();
        } catch (NumberFormatException e) {
            return v;
        }
    }

    /** Reads the JSON form; {@code workers} and {@code threads} there are the caller's (see {@link #execution}). */
    public static SweepSpec read(Path file) {
        return fromJson(readMap(file), file.toString());
    }

    static Map<String, Object> readMap(Path file) {
        try {
            // a file a user wrote: a key given twice or text after the object is a mistake, not the last word
            Object read = Json.MAPPER.readerFor(Object.class)
                    .with(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                    .with(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                    .readValue(Files.readString(file));
            if (!(read instanceof Map<?, ?>)) {
                throw new UserError(file + ": expected a JSON object ({\"name\": ..., \"losses\": [...], \"grid\":"
                        + " {...}}), got " + (read == null ? "null" : read instanceof List<?> ? "an array"
                                : read instanceof String ? "a string" : "a " + read.getClass().getSimpleName()
                                        .toLowerCase(java.util.Locale.ROOT)));
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> m = (Map<String, Object>) read;
            return m;
        } catch (JsonProcessingException e) {
            throw new UserError(file + ": " + IoErrors.reason(e));
        } catch (IOException e) {
            throw new UserError(e instanceof java.nio.file.NoSuchFileException ? "no such file: " + file
                    : "cannot read " + file + ": " + IoErrors.reason(e));
        }
    }

    /** The execution settings a sweep file may carry: {@code workers} and {@code threads} (0 if absent). */
    public static int[] execution(Path file) {
        Map<String, Object> m = readMap(file);
        return new int[] {count(m, "workers", file), count(m, "threads", file)};
    }

    /** A whole number >= 1, or 0 where the field is absent. */
    private static int count(Map<String, Object> m, String key, Path file) {
        Object o = m.get(key);
        if (o == null) {
            return 0;
        }
        if (o instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) && n.doubleValue() >= 1
                && n.doubleValue() <= Integer.MAX_VALUE) {
            return n.intValue();
        }
        throw new UserError(file + ": \"" + key + "\" must be a whole number >= 1, got " + Json.line(o));
    }

    /** Refuses a field of the wrong JSON type in one line. */
    private static void expect(Map<String, Object> m, String key, String what, String where, Class<?>... types) {
        Object o = m.get(key);
        if (o == null) {
            return;
        }
        for (Class<?> t : types) {
            if (t.isInstance(o)) {
                return;
            }
        }
        throw new UserError(where + ": \"" + key + "\" must be " + what + ", got " + Json.line(o));
    }

    /** A spec from its JSON text (as a results database records it); {@code where} names it in errors. */
    public static SweepSpec fromJsonText(String json, String where) {
        try {
            @SuppressWarnings("unchecked")
            Map<String, Object> m = Json.MAPPER.readValue(json, Map.class);
            return fromJson(m, where);
        } catch (JsonProcessingException e) {
            throw new UserError(where + " records a sweep that cannot be read: " + e.getOriginalMessage());
        }
    }

    static SweepSpec fromJson(Map<String, Object> m, String where) {
        Set<String> known = Set.of("name", "command", "losses", "grid", "seeds", "options", "workers", "threads");
        for (String k : m.keySet()) {
            if (!known.contains(k)) {
                throw new UserError(where + ": unknown field '" + k + "'; known: " + known);
            }
        }
        expect(m, "name", "a string", where, String.class);
        expect(m, "command", "a string such as \"train\" or \"ufm\"", where, String.class);
        expect(m, "losses", "a string or a list of loss specs", where, String.class, List.class);
        expect(m, "grid", "an object of option: [values]", where, Map.class);
        expect(m, "options", "an object of option: value", where, Map.class);
        expect(m, "seeds", "a list of whole numbers", where, List.class, Number.class);
        if (m.get("seeds") != null) {
            for (Object seed : m.get("seeds") instanceof List<?> l ? l : List.of(m.get("seeds"))) {
                if (!(seed instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())) {
                    throw new UserError(where + ": \"seeds\" must be whole numbers, got " + Json.line(seed));
                }
            }
        }
        try {
            Map<String, List<String>> grid = new LinkedHashMap<>();
            if (m.get("grid") != null) {
                ((Map<?, ?>) m.get("grid")).forEach((k, v) -> grid.put(k.toString(), strings(v)));
            }
            Map<String, String> options = new LinkedHashMap<>();
            if (m.get("options") != null) {
                ((Map<?, ?>) m.get("options")).forEach((k, v) -> options.put(k.toString(), v == null ? "true" : text(v)));
            }
            List<Long> seeds = new ArrayList<>();
            if (m.get("seeds") != null) {
                for (String s : strings(m.get("seeds"))) {
                    seeds.add(Long.parseLong(s));
                }
            }
            Object losses = m.get("losses");
            List<String> lossList = losses instanceof String s ? LossSpec.splitList(s) : losses == null ? null : strings(losses);
            if (lossList != null && lossList.isEmpty()) {
                throw new UserError(where + ": \"losses\" names no loss");
            }
            return new SweepSpec((String) m.get("name"), m.get("command") == null ? "train" : (String) m.get("command"),
                    lossList, grid, seeds, options);
        } catch (ClassCastException | NumberFormatException e) {
            throw new UserError(where + ": malformed sweep (" + e.getMessage() + ")");
        }
    }

    private static List<String> strings(Object v) {
        List<String> out = new ArrayList<>();
        if (v instanceof List<?> list) {
            list.forEach(x -> out.add(text(x)));
        } else {
            out.add(text(v));
        }
        return out;
    }

    private static String text(Object v) {
        if (v instanceof Double d && d == Math.rint(d) && Math.abs(d) < 1e15) {
            return Long.toString(d.longValue());
        }
        return v.toString();
    }
}
