package io.nclab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.nclab.io.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The saddle, convexity and landscape commands: their JSON, their files, their user errors. */
class CurvatureCommandsTest {

    @Test
    void saddleJsonHasTheIssueFields() throws Exception {
        CliRunner.Result r = CliRunner.run("saddle", "--loss", "ce", "--classes", "3", "--dim", "4", "--per-class", "2",
                "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = Json.MAPPER.readTree(r.lastLine());
        assertTrue(j.get("critical_points").isArray() && j.get("critical_points").size() == 2);
        for (JsonNode c : j.get("critical_points")) {
            assertTrue(c.has("kind") && c.has("grad_norm") && c.has("min_eigenvalue"));
            assertTrue(c.get("min_eigenvalue").asDouble() < -1e-6);
        }
        assertTrue(j.get("escaped_to_global").asBoolean());
        assertTrue(j.has("global_objective") && j.get("global_min_eigenvalue").asDouble() >= -1e-8);
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

    @Test
    void landscapeWritesEveryFigure(@TempDir Path dir) {
        CliRunner.Result r = CliRunner.run("landscape", "--classes", "3", "--losses", "mse,ce", "--bound-losses", "ce",
                "--out", dir.toString());
        assertEquals(0, r.code(), r.err());
        for (String f : new String[] {"polar-landscape", "gradient-field", "contrastive-bound"}) {
            assertTrue(Files.exists(dir.resolve(f + ".png")) && Files.exists(dir.resolve(f + ".svg"))
                    && Files.exists(dir.resolve(f + ".csv")), f);
        }
    }

    @Test
    void userMistakesAreOneLineAndExitTwo() {
        for (String[] args : new String[][] {
            {"landscape", "--classes", "2"}, {"convexity", "--loss", "hinge"}, {"saddle", "--loss", "ce", "--dim", "0"}
        }) {
            CliRunner.Result r = CliRunner.run(args);
            assertEquals(2, r.code(), String.join(" ", args));
            assertEquals(1, r.err().strip().split("\n").length, r.err());
        }
    }
}
