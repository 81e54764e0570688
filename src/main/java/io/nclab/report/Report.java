package io.nclab.report;

import io.nclab.UserError;
import io.nclab.Version;
import io.nclab.experiment.SweepSpec;
import io.nclab.io.AtomicFiles;
import io.nclab.io.IoErrors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The HTML report: one self-contained {@code report.html} (every figure embedded as a PNG, tables of final
 * numbers, the exact commands and settings) made of sections, each a sweep's (or a run's) figures, claims
 * and tables, or any other figures (the landscapes).
 */
public final class Report {
    private Report() {}

    /** One part of the report. */
    public record Section(String heading, String intro, List<Claims.Claim> claims, List<SweepFigures.Figure> figures,
            String body) {}

    /** Final figures shown in tables, when the runs have them: column → heading. */
    private static final Map<String, String> FINALS = new LinkedHashMap<>();

    static {
        FINALS.put("test_accuracy", "test acc. (%)");
        FINALS.put("best_val_accuracy", "best val. acc. (%)");
        FINALS.put("final_train_accuracy", "train acc. (%)");
        FINALS.put("final_nc1", "NC1");
        FINALS.put("final_nc2", "NC2");
        FINALS.put("final_nc3", "NC3");
        FINALS.put("final_nc4", "NC4");
        FINALS.put("objective", "objective f");
        FINALS.put("theory_objective", "theory f*");
        FINALS.put("relative_gap", "(f − f*)/|f*|");
        FINALS.put("nc1", "NC1");
        FINALS.put("nc2", "NC2");
        FINALS.put("nc3", "NC3");
        FINALS.put("iterations", "iterations");
    }

    /**
     * Writes a sweep's figures under {@code figuresDir} and returns its section. A sweep with runs that are not
     * complete says so: failed runs are listed with their errors and the claims are judged on the complete
     * ones; while runs are pending or running (a sweep in progress, or stopped) the claims are not judged.
     */
    public static Section sweep(String heading, SweepData d, Path figuresDir, String spec) {
        List<SweepFigures.Figure> figures = SweepFigures.write(d, figuresDir);
        int total = d.runs().size() + d.unfinished().size();
        String command = esc(d.isUfm() ? "ufm" : d.meta().getOrDefault("command", "train"));
        String grid = grid(d);
        StringBuilder intro = new StringBuilder();
        if (d.unfinished().isEmpty()) {
            intro.append(String.format(Locale.ROOT, "%d complete run%s of <code>%s</code>: %s.", total,
                    total == 1 ? "" : "s", command, grid));
        } else {
            Map<String, Integer> counts = new LinkedHashMap<>();
            d.unfinished().forEach(u -> counts.merge(u.status(), 1, Integer::sum));
            intro.append(String.format(Locale.ROOT, "%d of %d runs of <code>%s</code> complete (%s); the sweep: %s."
                    + " <b>", d.runs().size(), total, command, counts.entrySet().stream()
                    .map(e -> e.getValue() + " " + e.getKey()).reduce((a, b) -> a + ", " + b).orElse(""), grid));
            intro.append(d.inProgress()
                    ? "The sweep is not finished: the figures and tables show the complete runs only, and the"
                            + " losses paper's claims are judged once every run is done."
                    : "Runs failed (listed below): the figures, tables and claims use the complete runs only.")
                    .append("</b>");
        }
        List<Claims.Claim> claims = d.inProgress() ? List.of() : Claims.of(d);
        return new Section(heading, intro.toString(), claims, figures,
                body(d, spec, "The sweep's settings (sweep.json)"));
    }

    /** The grid as the sweep was specified (losses × axes × seeds), else as its complete runs vary. */
    private static String grid(SweepData d) {
        String json = d.meta().get("spec");
        if (json != null) {
            try {
                SweepSpec spec = SweepSpec.fromJsonText(json, "results.db");
                int losses = spec.losses() == null ? 1 : spec.losses().size();
                int seeds = spec.seeds() == null || spec.seeds().isEmpty() ? 1 : spec.seeds().size();
                StringBuilder g = new StringBuilder(losses + " loss" + (losses == 1 ? "" : "es") + " × ");
                spec.grid().forEach((k, v) -> g.append(v.size()).append(' ').append(esc(k.replace('-', ' ')))
                        .append(" × "));
                return g.append(seeds).append(" seed").append(seeds == 1 ? "" : "s").toString();
            } catch (UserError e) {
                // an older or foreign record: describe the runs instead
            }
        }
        return String.format(Locale.ROOT, "%d loss%s × %s%d seed%s", d.losses().size(),
                d.losses().size() == 1 ? "" : "es",
                d.varied().isEmpty() ? "" : d.varied().stream().map(k -> d.values(k).size() + " " + k.replace('_', ' '))
                        .reduce((a, b) -> a + " × " + b).get() + " × ", d.seedCount(), d.seedCount() == 1 ? "" : "s");
    }

    /**
     * One run directory's section ({@code d} holds that run, as far as it got): its status says whether it is
     * complete, and the paper's claims are judged only on a complete run.
     *
     * @param status "complete (30 of 30 epochs)", "interrupted after epoch 3 of 30" ...
     * @param config the run's config.json, shown as its settings
     */
    public static Section run(String heading, SweepData d, Path figuresDir, String config, boolean complete,
            String status) {
        List<SweepFigures.Figure> figures = SweepFigures.write(d, figuresDir);
        String command = esc(d.isUfm() ? "ufm" : d.meta().getOrDefault("command", "train"));
        String intro = complete
                ? "One run of <code>" + command + "</code>: <b>" + esc(status) + "</b>."
                : "One run of <code>" + command + "</code>: <b>" + esc(status) + "</b>. The figures and numbers are"
                        + " those it reached" + (figures.isEmpty() ? " (none yet)" : "") + "; the losses paper's"
                        + " claims are not judged on an incomplete run.";
        return new Section(heading, intro, complete ? Claims.of(d) : List.of(), figures,
                body(d, config, "The run's settings (config.json)"));
    }

    private static String body(SweepData d, String spec, String specHeading) {
        StringBuilder body = new StringBuilder();
        body.append(d.seedCount() <= 1 ? "<h3>Final numbers</h3>\n"
                : "<h3>Final numbers (mean ± standard deviation over seeds)</h3>\n").append(configTable(d));
        body.append("<details><summary>Every run (").append(d.runs().size()).append(")</summary>\n")
                .append(runTable(d)).append("</details>\n");
        if (!d.unfinished().isEmpty()) {
            body.append("<h3>Runs not complete (").append(d.unfinished().size())
                    .append(")</h3>\n<table><tr><th class=\"l\">run</th><th class=\"l\">status</th>"
                            + "<th class=\"l\">error</th></tr>\n");
            for (SweepData.Unfinished u : d.unfinished()) {
                body.append("<tr><td class=\"l\">").append(esc(u.id())).append("</td><td class=\"l\">")
                        .append(esc(u.status())).append("</td><td class=\"l\">")
                        .append(esc(u.errorLine())).append("</td></tr>\n");
            }
            body.append("</table>\n");
        }
        body.append("<details><summary>The exact commands</summary>\n<pre>");
        d.runs().forEach(r -> body.append(esc(r.commandLine() == null
                ? r.id() + ": not recorded (its settings are below)" : r.commandLine())).append('\n'));
        d.unfinished().forEach(u -> body.append(esc(u.commandLine() == null
                ? u.id() + ": " + u.status() + ", not started" : u.commandLine() + "   (" + u.status() + ")"))
                .append('\n'));
        body.append("</pre></details>\n");
        if (spec != null) {
            body.append("<details><summary>").append(esc(specHeading)).append("</summary>\n<pre>").append(esc(spec))
                    .append("</pre></details>\n");
        }
        return body.toString();
    }

    /** Writes {@code report.html} into {@code out}; returns its path. */
    public static Path writeHtml(Path out, String title, String intro, List<Section> sections) {
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").append(esc(title))
                .append("</title>\n<style>\n")
                .append("body{font-family:system-ui,sans-serif;max-width:1500px;margin:1.5em auto;padding:0 1em;color:#222}\n")
                .append("h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}\n")
                .append("figure{margin:1.5em 0}figure img{max-width:100%;border:1px solid #ddd}\n")
                .append("figcaption{color:#444;font-size:.95em;margin-top:.3em}\n")
                .append("table{border-collapse:collapse;font-size:.9em;margin:.5em 0;display:block;max-width:100%;overflow-x:auto}td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}\n")
                .append("th{background:#f3f3f3}td.l,th.l{text-align:left}pre{background:#f7f7f7;padding:.6em;overflow-x:auto;font-size:.85em}\n")
                .append(".holds{color:#1a7f37;font-weight:bold}.fails{color:#c62828;font-weight:bold}"
                        + ".untested{color:#666;font-weight:bold}\n")
                .append("</style></head><body>\n");
        h.append("<h1>").append(esc(title)).append("</h1>\n<p>").append(intro).append("</p>\n");
        h.append("<p style=\"color:#666\">nclab ").append(esc(Version.version())).append(" (commit ")
                .append(esc(Version.commit())).append("), written ").append(Instant.now()).append(".</p>\n");
        List<Claims.Claim> all = new ArrayList<>();
        sections.forEach(s -> all.addAll(s.claims()));
        if (!all.isEmpty()) {
            h.append("<h2>Summary: the losses paper's claims in this run</h2>\n<ul>\n");
            for (Claims.Claim c : all) {
                h.append("<li><span class=\"").append(!c.tested() ? "untested\">not tested"
                        : c.holds() ? "holds\">holds" : "fails\">does not hold")
                        .append("</span> — ").append(prose(c.statement())).append(".<br>").append(prose(c.evidence()))
                        .append("</li>\n");
            }
            h.append("</ul>\n");
        }
        for (Section s : sections) {
            h.append("<h2>").append(esc(s.heading())).append("</h2>\n<p>").append(s.intro()).append("</p>\n");
            for (SweepFigures.Figure f : s.figures()) {
                h.append("<figure id=\"").append(esc(f.id())).append("\"><h3>").append(prose(f.title())).append("</h3>\n")
                        .append("<img alt=\"").append(esc(f.title())).append("\" src=\"data:image/png;base64,")
                        .append(base64(f.png())).append("\">\n<figcaption>").append(prose(f.caption()));
                if (f.svg() != null) {
                    h.append(" (Vector version: <a href=\"").append(esc(relative(out, f.svg()))).append("\">")
                            .append(esc(f.svg().getFileName().toString())).append("</a>.)");
                }
                h.append("</figcaption></figure>\n");
            }
            h.append(s.body());
        }
        h.append("</body></html>\n");
        Path file = out.resolve("report.html");
        AtomicFiles.writeString(file, h.toString());
        return file;
    }

    private static String relative(Path from, Path to) {
        try {
            return from.toAbsolutePath().relativize(to.toAbsolutePath()).toString();
        } catch (IllegalArgumentException e) {
            return to.toString();
        }
    }

    private static String base64(Path png) {
        try {
            return Base64.getEncoder().encodeToString(Files.readAllBytes(png));
        } catch (IOException e) {
            throw new UserError("cannot read figure " + png + ": " + IoErrors.reason(e));
        }
    }

    /**
     * Text shown as prose (figure titles and captions, the claims): escaped, each "key = value" kept on one
     * line ({@link Charts#keepSettingsTogether}).
     */
    static String prose(String s) {
        return esc(Charts.keepSettingsTogether(s));
    }

    static String esc(String s) {
        return s == null ? "" : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private static String cell(double v, boolean percent) {
        if (!Double.isFinite(v)) {
            return "–"; // no value (a theory that predicts none, a metric undefined there)
        }
        return percent ? String.format(Locale.ROOT, "%.2f", 100 * v) : io.nclab.io.Csv.significant(v, 4);
    }

    /**
     * A mean and its standard deviation over seeds, "0.0870 ± 0.0042": the deviation to two significant digits and
     * the mean to the same decimal place, so the spread never shows more digits than the mean it qualifies. A spread
     * below a millionth of the mean (seeds that agree to round-off) is written on its own, "0.5 ± 1e-17";
     * percentages get two decimals both.
     */
    static String meanAndSpread(double mean, double sd, boolean percent) {
        if (percent || !Double.isFinite(mean) || !Double.isFinite(sd) || sd <= 0 || mean == 0) {
            return cell(mean, percent) + (Double.isFinite(sd) ? " ± " + cell(sd, percent) : "");
        }
        if (sd < 1e-6 * Math.abs(mean)) {
            return cell(mean, false) + " ± " + io.nclab.io.Csv.significant(sd, 2);
        }
        // two significant digits of the spread: decimals below 0 round to tens, hundreds (12350 ± 350)
        int decimals = 1 - (int) Math.floor(Math.log10(sd));
        return fixed(mean, decimals) + " ± " + fixed(sd, decimals);
    }

    private static String fixed(double v, int decimals) {
        java.math.BigDecimal b = new java.math.BigDecimal(v).setScale(decimals, java.math.RoundingMode.HALF_EVEN);
        return (decimals < 0 ? b.setScale(0) : b).toPlainString();
    }

    private static List<String> finals(SweepData d) {
        return FINALS.keySet().stream().filter(d::hasResult).toList();
    }

    /** One row per loss × varied settings: the mean and spread over seeds of each final figure. */
    private static String configTable(SweepData d) {
        List<String> keys = finals(d);
        StringBuilder t = new StringBuilder("<table><tr><th class=\"l\">loss</th>");
        d.varied().forEach(k -> t.append("<th>").append(esc(k)).append("</th>"));
        t.append("<th>seeds</th>");
        keys.forEach(k -> t.append("<th>").append(esc(FINALS.get(k))).append("</th>"));
        t.append("</tr>\n");
        Map<String, List<SweepData.Run>> groups = new LinkedHashMap<>();
        for (SweepData.Run r : d.runs()) {
            StringBuilder key = new StringBuilder(r.loss());
            d.varied().forEach(k -> key.append('\u0000').append(r.settings().get(k)));
            groups.computeIfAbsent(key.toString(), x -> new ArrayList<>()).add(r);
        }
        for (List<SweepData.Run> runs : groups.values()) {
            SweepData.Run first = runs.get(0);
            t.append("<tr><td class=\"l\">").append(esc(SweepFigures.label(first.loss()))).append("</td>");
            d.varied().forEach(k -> t.append("<td>").append(esc(SweepFigures.format(first.settings().get(k)))).append("</td>"));
            t.append("<td>").append(runs.size()).append("</td>");
            for (String k : keys) {
                double[] s = SweepData.stats(runs, k);
                boolean pct = k.contains("accuracy");
                t.append("<td>").append(runs.size() > 1 && Double.isFinite(s[3]) ? meanAndSpread(s[0], s[3], pct)
                        : cell(s[0], pct)).append("</td>");
            }
            t.append("</tr>\n");
        }
        return t.append("</table>\n").toString();
    }

    private static String runTable(SweepData d) {
        List<String> keys = finals(d);
        StringBuilder t = new StringBuilder("<table><tr><th class=\"l\">run</th><th class=\"l\">loss</th><th>seed</th>");
        d.settingNames().forEach(k -> t.append("<th>").append(esc(k)).append("</th>"));
        keys.forEach(k -> t.append("<th>").append(esc(FINALS.get(k))).append("</th>"));
        t.append("</tr>\n");
        for (SweepData.Run r : d.runs()) {
            t.append("<tr><td class=\"l\">").append(esc(r.id())).append("</td><td class=\"l\">").append(esc(r.loss()))
                    .append("</td><td>").append(r.seed()).append("</td>");
            d.settingNames().forEach(k -> t.append("<td>").append(esc(SweepFigures.format(r.settings().get(k)))).append("</td>"));
            keys.forEach(k -> t.append("<td>").append(cell(r.result(k), k.contains("accuracy"))).append("</td>"));
            t.append("</tr>\n");
        }
        return t.append("</table>\n").toString();
    }
}
