package io.nclab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.nclab.io.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The saddle, convexity and landscape commands: their JSON, their files, their user errors. */
class CurvatureCommandsTest {

    @Test
    void saddleJsonHasTheIssueFields() throws Exception {
        CliRunner.Result r = CliRunner.run("saddle", "--loss", "ce", "--classes", "3", "--dim", "4", "--per-class", "2",
                "--json", "--threads", "1");
        assertEquals(0, r.code(), r.err());
        assertEquals(1, r.out().strip().split("\n").length, "standard output is the JSON alone: " + r.out());
        JsonNode j = Json.MAPPER.readTree(r.lastLine());
        // each stage says when it ends, on stderr (a large problem printed nothing for minutes)
        assertEquals(List.of("the global minimiser solved", "the origin examined, and escaped from",
                "the rank-1 critical point examined, and escaped from"), r.err().lines()
                .filter(l -> l.startsWith("saddle: ")).map(l -> l.replaceAll("^saddle: (.*?)( \\(\\d+ iterations\\))? \\([0-9.]+ s\\)$", "$1")).toList());
        assertTrue(j.get("critical_points").isArray() && j.get("critical_points").size() == 2);
        for (JsonNode c : j.get("critical_points")) {
            assertTrue(c.has("kind") && c.has("grad_norm") && c.has("min_eigenvalue"));
            assertTrue(c.get("min_eigenvalue").isNumber() && c.get("min_eigenvalue").asDouble() < -1e-6, c.toString());
        }
        assertEquals(1, j.get("threads_used").asInt(), "--threads is taken and recorded");
        assertTrue(j.get("escaped_to_global").asBoolean());
        assertTrue(j.get("global_objective").isNumber() && j.get("global_min_eigenvalue").isNumber()
                && j.get("global_min_eigenvalue").asDouble() >= -1e-8, j.toString()); // null would read as 0
    }

    @Test
    void convexityJsonAndFigure(@TempDir Path dir) throws Exception {
        CliRunner.Result r = CliRunner.run("convexity", "--loss", "ce,focal:gamma=2", "--classes", "4", "--samples",
                "300", "--out", dir.toString(), "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = Json.MAPPER.readTree(r.lastLine());
        assertTrue(j.get("losses").get(0).get("psd_everywhere").asBoolean());
        assertTrue(j.get("losses").get(1).get("threshold_p_k").asDouble() > 0);
        assertTrue(Files.size(dir.resolve("convexity.png")) > 0 && Files.exists(dir.resolve("convexity.svg")));
    }

    /**
     * Every line of convexity's output reaches standard output whole, its newline included: a row written in pieces
     * could be joined by an error printed to the same terminal before its newline came.
     */
    @Test
    void convexityWritesEachLineWhole() {
        List<String> writes = new java.util.ArrayList<>();
        java.io.OutputStream terminal = new java.io.OutputStream() {
            @Override
            public void write(int b) {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                writes.add(new String(b, off, len, java.nio.charset.StandardCharsets.UTF_8));
            }
        };
        int code;
        synchronized (CliRunner.class) { // CliRunner swaps System.out too
            java.io.PrintStream old = System.out;
            System.setOut(new java.io.PrintStream(terminal, true, java.nio.charset.StandardCharsets.UTF_8));
            try {
                code = Main.execute("convexity", "--loss", "ce,focal:gamma=2", "--classes", "4", "--samples", "300");
            } finally {
                System.setOut(old);
            }
        }
        assertEquals(0, code);
        assertEquals(3, writes.size(), writes.toString()); // two rows and focal loss's map
        for (String w : writes) {
            assertTrue(w.endsWith("\n") && w.indexOf('\n') == w.length() - 1, "a write of part of a line: " + writes);
        }
    }

    @Test
    void convexitySvgStaysSmallWhileTheCsvKeepsEveryPoint(@TempDir Path dir) throws Exception {
        // 36,000 markers made a ~25 MB SVG (one element per marker); drawn thinned, the CSV has them all
        CliRunner.Result r = CliRunner.run("convexity", "--loss", "ce,ls:alpha=0.1,focal:gamma=2", "--classes", "4",
                "--samples", "12000", "--out", dir.toString());
        assertEquals(0, r.code(), r.err());
        long svg = Files.size(dir.resolve("convexity.svg"));
        assertTrue(svg < 3_000_000, "convexity.svg is " + svg + " bytes");
        assertEquals(1 + 36_000, Files.readAllLines(dir.resolve("convexity.csv")).size());
        String doc = Files.readString(dir.resolve("convexity.svg"));
        assertTrue(doc.contains("of 36,000 sampled points drawn"), "the caption says what is drawn");
        assertTrue(doc.contains("CE (PSD everywhere; drawn under LS (α = 0.1), the same Hessian"),
                "CE's legend says where its points are");
    }

    @Test
    void landscapeWritesEveryFigure(@TempDir Path dir) throws Exception {
        CliRunner.Result r = CliRunner.run("landscape", "--classes", "3", "--losses", "mse,ce", "--bound-losses", "ce",
                "--out", dir.toString(), "--threads", "1");
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.readString(dir.resolve("config.json")).contains("\"threads_used\" : 1"));
        for (String f : new String[] {"polar-landscape", "gradient-field", "contrastive-bound"}) {
            assertTrue(Files.exists(dir.resolve(f + ".png")) && Files.exists(dir.resolve(f + ".svg"))
                    && Files.exists(dir.resolve(f + ".csv")), f);
        }
        // its folder is figures already, not a run with no probe yet
        CliRunner.Result report = CliRunner.run("report", dir.toString());
        assertEquals(2, report.code(), report.err());
        assertEquals("nclab report: " + dir + " holds the output of nclab landscape, whose figures are already there;"
                + " report draws a sweep, or a train or ufm run", report.err().strip());
    }

    @Test
    void userMistakesAreOneLineAndExitTwo(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("taken"), "x");
        Path fresh = dir.resolve("fresh");
        Path ufmRun = dir.resolve("ufm-run"); // another command's run: its config.json is not to be replaced
        assertEquals(0, CliRunner.run("ufm", "--classes", "3", "--dim", "3", "--per-class", "2", "--iters", "2", "--out",
                ufmRun.toString()).code());
        String ufmConfig = Files.readString(ufmRun.resolve("config.json"));
        String[][] bad = {
            {"landscape", "--classes", "2"}, {"convexity", "--loss", "hinge"}, {"saddle", "--loss", "ce", "--dim", "0"},
            {"landscape", "--classes", "100000", "--out", fresh.toString()},
            {"landscape", "--classes", "3", "--bound-losses", "mse", "--out", fresh.toString()},
            {"landscape", "--classes", "3", "--out", file.toString()},
            {"landscape", "--classes", "3", "--out", ""},
            {"convexity", "--loss", "ce", "--classes", "3", "--samples", "10", "--out", file.toString()},
            {"saddle", "--classes", "3", "--dim", "4", "--per-class", "2", "--lambda-w", "0"},
            {"convexity", "--loss", "ce", "--classes", "200000"},
            {"convexity", "--loss", "ce,,mse"},
            {"convexity", "--loss", "ce,ce", "--classes", "4", "--samples", "20", "--out", fresh.toString()},
            {"landscape", "--classes", "3", "--losses", "mse,ce,mse", "--out", fresh.toString()},
            {"convexity", "--loss", "ce", "--classes", "3", "--samples", "10", "--out", file.resolve("below").toString()},
            {"saddle", "--classes", "3", "--dim", "4", "--per-class", "0"},
            {"saddle", "--classes", "3", "--dim", "4", "--per-class-list", "2,0,1"},
            {"convexity", "--loss", "ce", "--samples", "100000000"},
            {"landscape", "--classes", "3", "--out", ufmRun.toString()},
            {"convexity", "--loss", "ce", "--classes", "3", "--samples", "10", "--out", ufmRun.toString()},
            {"saddle", "--classes", "3", "--dim", "3", "--per-class", "2", "--direction-out",
                ufmRun.resolve("W.npy").toString()},
            {"saddle", "--dim", "4", "--per-class-list", "3"},
        };
        String[] says = {"at least 3", "hinge", "--dim", "at most 1000", "mse is not a contrastive loss",
            "exists and is not a directory", "an empty path", "exists and is not a directory",
            "--lambda-w and --lambda-h > 0", "--classes must be at most 100000", "empty loss in the list 'ce,,mse'", "--loss lists ce twice", "--losses lists mse twice",
            "is not a directory", "--per-class must be at least 1, got 0",
            "--per-class-list gives class 1 0 samples: every class needs at least one",
            "--samples 100,000,000 x --classes 10 is 1,000,000,000 logits; at most 20,000,000",
            "holds a ufm run's files; give a new or empty folder", "holds a ufm run's files; give a new or empty folder",
            "W.npy exists and is not a .npz file", "--per-class-list needs at least 2 classes, got 1"};
        for (int i = 0; i < bad.length; i++) {
            CliRunner.Result r = CliRunner.run(bad[i]);
            assertEquals(2, r.code(), String.join(" ", bad[i]));
            assertEquals(1, r.err().strip().split("\n").length, r.err());
            assertTrue(r.err().contains(says[i]), r.err());
        }
        assertFalse(Files.exists(fresh), "nothing is written for a rejected landscape");
        assertEquals(ufmConfig, Files.readString(ufmRun.resolve("config.json")));
    }

    @Test
    void landscapeRefusesAnEmptyBoundListBeforeWritingAnything(@TempDir Path dir) {
        for (String empty : new String[] {"", " "}) {
            Path fresh = dir.resolve("fresh");
            CliRunner.Result r = CliRunner.run("landscape", "--classes", "3", "--losses", "mse", "--bound-losses", empty,
                    "--out", fresh.toString());
            assertEquals(2, r.code(), r.err());
            assertEquals("nclab landscape: --bound-losses names no loss", r.err().strip());
            assertFalse(Files.exists(fresh), "nothing is written");
        }
    }

    @Test
    void aFolderInTheWayOfOneOutputIsFoundBeforeAnyIsWritten(@TempDir Path dir) throws Exception {
        // folders of an earlier run of the same command (their config.json says so), one output's name taken by a folder
        Path land = Files.createDirectories(dir.resolve("land").resolve("contrastive-bound.svg"));
        Files.writeString(land.getParent().resolve("config.json"), "{\"command\" : \"landscape\"}");
        CliRunner.Result r = CliRunner.run("landscape", "--classes", "3", "--losses", "mse", "--bound-losses", "ce",
                "--out", land.getParent().toString());
        assertEquals(2, r.code(), r.err());
        assertEquals(1, r.err().strip().split("\n").length, r.err());
        assertTrue(r.err().contains("contrastive-bound.svg is a directory"), r.err());
        try (var files = Files.list(land.getParent())) {
            assertEquals(2, files.count(), "only the folder that was in the way, and the earlier config.json");
        }
        Path conv = Files.createDirectories(dir.resolve("conv").resolve("convexity.png"));
        Files.writeString(conv.getParent().resolve("config.json"), "{\"command\" : \"convexity\"}");
        r = CliRunner.run("convexity", "--loss", "ce", "--classes", "3", "--samples", "10", "--out",
                conv.getParent().toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("convexity.png is a directory"), r.err());
        assertFalse(r.out().contains("smallest eigenvalue"), "refused before the analysis: " + r.out());
        try (var files = Files.list(conv.getParent())) {
            assertEquals(2, files.count());
        }
    }

    /**
     * A landscape stopped half way leaves its config.json marked incomplete (written before the first figure): the
     * next run may write into that folder, and completes it.
     */
    @Test
    void aHalfWrittenFolderOfTheSameCommandIsFinishedByTheNextRun(@TempDir Path dir) throws Exception {
        Path half = Files.createDirectories(dir.resolve("half"));
        Files.writeString(half.resolve("config.json"), "{\"command\" : \"landscape\", \"complete\" : false}");
        Files.writeString(half.resolve("polar-landscape.png"), "half of it");
        CliRunner.Result r = CliRunner.run("landscape", "--classes", "3", "--losses", "ce", "--bound-losses", "ce",
                "--out", half.toString());
        assertEquals(0, r.code(), r.err());
        assertFalse(Files.readString(half.resolve("config.json")).contains("\"complete\""));
        assertTrue(Files.size(half.resolve("polar-landscape.png")) > 1000);
    }

    @Test
    void landscapeRefusesALossThatOverflowsOnTheGrid(@TempDir Path dir) {
        Path fresh = dir.resolve("fresh");
        CliRunner.Result r = CliRunner.run("landscape", "--classes", "3", "--losses", "mse:alpha=1,m=1e300",
                "--bound-losses", "ce", "--out", fresh.toString());
        assertEquals(2, r.code(), r.err());
        assertEquals(1, r.err().strip().split("\n").length, r.err());
        assertTrue(r.err().contains("overflows float64 on the landscape grid"), r.err());
        assertFalse(Files.exists(fresh), "nothing is written");
    }

    @Test
    void saddleRefusesAProblemTooLargeForItsMemory() {
        // this one died with an OutOfMemoryError in Nd.oneHotColumns (K x N = 10^13 targets)
        CliRunner.Result r = CliRunner.run("saddle", "--classes", "100000", "--dim", "100000", "--per-class", "1000");
        assertEquals(2, r.code(), r.err());
        assertEquals(1, r.err().strip().split("\n").length, r.err());
        assertTrue(r.err().contains("the problem is too large") && r.err().contains("at most 2,000,000 parameters"),
                r.err());
        // just past the parameter limit (d(K + N) = 2,000,100 + K): refused before any work
        r = CliRunner.run("saddle", "--classes", "10", "--dim", "2000", "--per-class", "100", "--no-bias");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("2,020,000 parameters"), r.err());
        assertTrue(CliRunner.run("saddle", "--help").out().replaceAll("\\s+", " ").contains("2,000,000 parameters"));
    }

    @Test
    void saddleWritesEachPointsNegativeCurvatureDirection(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("directions.npz");
        CliRunner.Result r = CliRunner.run("saddle", "--loss", "ce", "--classes", "3", "--dim", "4", "--per-class", "2",
                "--no-escape", "--direction-out", file.toString());
        assertEquals(0, r.code(), r.err());
        io.nclab.io.Npz npz = io.nclab.io.Npz.load(file);
        JsonNode info = Json.MAPPER.readTree(npz.text("nclab.json"));
        assertEquals(2, info.get("critical_points").size());
        io.nclab.ufm.UfmProblem p = io.nclab.ufm.UfmProblem.balanced(io.nclab.loss.LossSpec.parse("ce"), 3, 4, 2,
                5e-3, 5e-3, 5e-3, true);
        for (JsonNode c : info.get("critical_points")) {
            String kind = c.get("kind").asText();
            assertEquals(3, npz.shape(kind + "_direction_W")[0]);
            assertEquals(4, npz.shape(kind + "_direction_W")[1]);
            assertEquals(6, npz.shape(kind + "_direction_H")[1]);
            double[][] x = {npz.doubles(kind + "_W"), npz.doubles(kind + "_H"), npz.doubles(kind + "_b")};
            double[][] y = {npz.doubles(kind + "_direction_W"), npz.doubles(kind + "_direction_H"),
                npz.doubles(kind + "_direction_b")};
            double norm = 0;
            for (double[] part : y) {
                for (double v : part) {
                    norm += v * v;
                }
            }
            assertEquals(1.0, norm, 1e-10, kind + ": a unit vector over (W, H, b)");
            // (f(x + εy) + f(x − εy) − 2f(x))/ε² = yᵀ∇²f y, the reported (negative) eigenvalue
            double eps = 1e-4;
            double[] f = new double[3];
            try (ai.djl.ndarray.NDManager m = io.nclab.nd.Nd.newManager();
                    io.nclab.ufm.UfmObjective obj = new io.nclab.ufm.UfmObjective(p, m)) {
                for (int t = -1; t <= 1; t++) {
                    double[] flat = new double[12 + 24 + 3];
                    int at = 0;
                    for (int part = 0; part < 3; part++) {
                        for (int i = 0; i < x[part].length; i++) {
                            flat[at++] = x[part][i] + t * eps * y[part][i];
                        }
                    }
                    try (io.nclab.ufm.UfmPoint pt = io.nclab.curvature.UfmHessian.unflatten(p, m, flat)) {
                        f[t + 1] = obj.value(pt);
                    }
                }
            }
            double lambda = c.get("min_eigenvalue").asDouble();
            assertTrue(lambda < -1e-6, kind + " is a strict saddle");
            assertEquals(lambda, (f[0] + f[2] - 2 * f[1]) / (eps * eps), 1e-5, kind);
        }
        // a folder in the way is found before the analysis
        CliRunner.Result bad = CliRunner.run("saddle", "--loss", "ce", "--classes", "3", "--dim", "4", "--per-class",
                "2", "--direction-out", dir.toString());
        assertEquals(2, bad.code(), bad.err());
        assertTrue(bad.err().contains("--direction-out") && bad.out().isEmpty(), bad.err() + bad.out());
    }

    @Test
    void saddleInMseAllZeroRegimeCallsTheOriginTheMinimiser() throws Exception {
        // λ_Wλ_H ≥ 1/(KN)... here λ = 1: the global minimiser is W = H = 0 (the MSE paper's Theorem 3.1)
        CliRunner.Result r = CliRunner.run("saddle", "--loss", "mse", "--classes", "3", "--dim", "4", "--per-class", "2",
                "--lambda-w", "1", "--lambda-h", "1", "--json");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("a global minimiser here"), r.err()); // the table goes to stderr under --json
        JsonNode j = Json.MAPPER.readTree(r.lastLine());
        JsonNode origin = j.get("critical_points").get(0);
        assertTrue(origin.get("min_eigenvalue").asDouble() > 0);
        assertTrue(origin.get("escape").get("rounds").isEmpty());
        assertEquals(j.get("global_objective").asDouble(), origin.get("escape").get("objective").asDouble(), 1e-12);
        assertTrue(origin.get("escape").get("reached_global").asBoolean());
        assertEquals(0, j.get("rotation_modes").asInt(), "no rotation orbit through W = H = 0");
        assertEquals(0, j.get("zero_modes").asInt());
    }

    @Test
    void theoryPrintsTheContrastiveCheckAsATable() {
        CliRunner.Result r = CliRunner.run("theory", "--classes", "3", "--dim", "4", "--per-class", "2",
                "--check-contrastive");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("contrastive  Definition 1 holds (phi a lower bound: yes"), r.out());
        assertFalse(r.out().contains("{"), "no raw map: " + r.out());
        assertTrue(r.out().contains("t* <= 0"), r.out());
        // MSE fails the first condition: no table of minimisers that would read as if it passed the second
        CliRunner.Result mse = CliRunner.run("theory", "--loss", "mse", "--classes", "3", "--dim", "4", "--per-class",
                "2", "--check-contrastive");
        assertEquals(0, mse.code(), mse.err());
        assertTrue(mse.out().contains("Definition 1 does NOT hold (phi a lower bound: NO")
                && mse.out().contains("fails at its first condition") && !mse.out().contains("t* <= 0"), mse.out());
    }
}
