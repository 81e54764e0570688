package io.nclab;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** nclab's version and the git commit it was built from, for provenance in every config.json. */
public final class Version {
    private Version() {}

    public static String version() {
        return built("version");
    }

    /**
     * The commit the code was built from: the launcher's (the run jar's own, "-dirty" when the sources had uncommitted
     * changes), else the one built into the jar, else "unknown". Never the git repository of the current directory,
     * which is the user's own project as often as nclab's.
     */
    public static String commit() {
        String c = System.getProperty("nclab.commit");
        return c != null && !c.isBlank() ? c : built("commit");
    }

    private static String built(String key) {
        try (InputStream in = Version.class.getResourceAsStream("/nclab-version.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                String v = p.getProperty(key, "");
                return v.isBlank() || v.startsWith("${") ? "unknown" : v;
            }
        } catch (IOException ignored) {
            // fall through
        }
        return "unknown";
    }
}
