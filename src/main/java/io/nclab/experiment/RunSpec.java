package io.nclab.experiment;

import java.util.List;
import java.util.Map;

/**
 * One run of a sweep: its stable identifier (also its directory's name), the loss, the seed, the values of
 * the sweep's varied settings (snake_case names, as config.json and the results database spell them) and
 * the child command's arguments without {@code --out}, {@code --json} and {@code --threads}.
 */
public record RunSpec(String id, String loss, long seed, Map<String, String> varied, List<String> args) {
    public RunSpec {
        varied = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(varied));
        args = List.copyOf(args);
    }
}
