package io.nclab;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** nclab's version and the git commit it was built from, for provenance in every config.json. */
public final class Version {
    private Version() {}

    public static String version() {
        try (InputStream in = Version.class.getResourceAsStream("/nclab-version.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                return p.getProperty("version", "unknown");
            }
        } catch (IOException ignored) {
            // fall through
        }
        return "unknown";
    }

    /** The commit passed by the launcher, else asked of git, else "unknown". */
    public static String commit() {
        String c = System.getProperty("nclab.commit");
        if (c != null && !c.isBlank()) {
            return c;
        }
        try {
            Process p = new ProcessBuilder("git", "rev-parse", "--short=12", "HEAD")
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            if (p.waitFor() == 0 && out.matches("[0-9a-f]{7,40}")) {
                return out;
            }
        } catch (IOException | InterruptedException ignored) {
            // fall through
        }
        return "unknown";
    }
}
