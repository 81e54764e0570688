package io.nclab.experiment;

import io.nclab.UserError;
import io.nclab.io.IoErrors;
import io.nclab.io.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.sqlite.SQLiteConfig;

/**
 * A sweep's results: one SQLite file ({@code results.db}) in the sweep directory, written only by the
 * sweep process, each change one transaction, so a sweep killed at any moment leaves it consistent.
 *
 * <ul>
 *   <li>{@code runs}: one row per run: {@code run_id}, {@code status} (pending, running, complete, failed),
 *       {@code loss}, {@code seed}, one column per setting (the grid's axes and the fixed options, snake_case),
 *       {@code attempts}, {@code started}, {@code finished}, {@code seconds} (wall time of the last attempt),
 *       {@code exit_code}, one column per field of the run's final JSON line ({@code test_accuracy},
 *       {@code final_nc1}, {@code objective} ...; {@code result_} in front where a name is taken), and where the
 *       run lives and how it was started;</li>
 *   <li>{@code probes}: one row per (run, step, metric): every numeric column of the run's metrics.csv
 *       ({@code train}, step = epoch) or trajectory.csv ({@code ufm}, step = iteration);</li>
 *   <li>{@code run_columns}: the order and kind (setting, result) of the {@code runs} columns added as runs came;</li>
 *   <li>{@code sweep}: the sweep's name, command and specification.</li>
 * </ul>
 */
public final class ResultsDb implements AutoCloseable {
    public static final String FILE = "results.db";

    private static final Pattern COLUMN = Pattern.compile("[a-z_][a-z0-9_]*");
    private static final List<String> LEADING = List.of("run_id", "status", "loss", "seed");
    private static final List<String> TIMING = List.of("attempts", "started", "finished", "seconds", "exit_code");
    private static final List<String> TRAILING = List.of("step_name", "command", "run_dir", "command_line", "error");

    private final Connection db;
    /** The folder of the database's file (a sweep's folder, where its runs/ are); null in memory. */
    private Path home;

    private ResultsDb(Connection db) {
        this.db = db;
    }

    /** Opens (creating if needed) the database file for writing. */
    public static ResultsDb open(Path file) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
        } catch (java.io.IOException e) {
            throw new UserError("cannot create " + file.getParent() + ": " + IoErrors.reason(e));
        }
        SQLiteConfig config = new SQLiteConfig();
        config.setBusyTimeout(30_000);
        config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
        Connection c = connect("jdbc:sqlite:" + file.toAbsolutePath(), config);
        ResultsDb db;
        try {
            db = create(c, file.toString());
        } catch (IllegalStateException e) {
            if (e.getCause() instanceof SQLException sql && notADatabase(sql)) {
                closeQuietly(c);
                throw notOurs(file, sql.getMessage());
            }
            throw e;
        }
        // CREATE TABLE IF NOT EXISTS keeps a table that lacks a column: a sweep would fail at its first write
        db.home = file.toAbsolutePath().getParent();
        return db.requireColumns(file);
    }

    /** Opens an existing database for reading only. */
    public static ResultsDb openReadOnly(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new UserError("no results database at " + file);
        }
        SQLiteConfig config = new SQLiteConfig();
        config.setReadOnly(true);
        config.setBusyTimeout(30_000);
        Connection c = connect("jdbc:sqlite:" + file.toAbsolutePath(), config);
        List<String> missing = new ArrayList<>(TABLES);
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT name FROM sqlite_master WHERE type = 'table'")) {
            while (rs.next()) {
                missing.remove(rs.getString(1));
            }
        } catch (SQLException e) {
            closeQuietly(c);
            throw notOurs(file, e.getMessage());
        }
        if (!missing.isEmpty()) {
            closeQuietly(c);
            throw notOurs(file, file.toFile().length() == 0 ? "an empty file"
                    : "no table " + String.join(", ", missing));
        }
        ResultsDb db = new ResultsDb(c);
        db.home = file.toAbsolutePath().getParent();
        return db.requireColumns(file);
    }

    /** The tables every results database has ({@link #create}). */
    private static final List<String> TABLES = List.of("sweep", "runs", "probes", "run_columns");

    /**
     * This database, or (closed) one line when a table lacks a column that {@link #create} makes or, for
     * {@code runs}, one that {@code run_columns} lists: every query names them, and SQLite reads a quoted
     * column that is not there as a string (a run's loss would read "loss").
     */
    private ResultsDb requireColumns(Path file) {
        try {
            Map<String, List<String>> schema; // as create() makes the tables, read from an empty database
            try (ResultsDb empty = inMemory()) {
                schema = empty.tableColumns();
            }
            Map<String, List<String>> has = tableColumns();
            for (String table : TABLES) {
                List<String> lacking = new ArrayList<>(schema.get(table));
                lacking.removeAll(has.get(table));
                if (table.equals("runs") && lacking.isEmpty()) {
                    lacking = new ArrayList<>(columns());
                    lacking.removeAll(has.get(table));
                }
                if (!lacking.isEmpty()) {
                    throw notOurs(file, "no column " + String.join(", ", lacking) + " in table " + table);
                }
            }
            return this;
        } catch (UserError | IllegalStateException e) {
            closeQuietly(db);
            throw e instanceof UserError u ? u : notOurs(file, e.getCause() != null ? e.getCause().getMessage()
                    : e.getMessage());
        }
    }

    /** The columns of each of {@link #TABLES}, in order (none for a table that is not there). */
    private Map<String, List<String>> tableColumns() {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (String table : TABLES) {
            List<String> cols = new ArrayList<>();
            query("SELECT name FROM pragma_table_info('" + table + "')", rs -> cols.add(rs.getString(1)));
            out.put(table, cols);
        }
        return out;
    }

    /** SQLite's answer to a file that is not a database, or a damaged one. */
    private static boolean notADatabase(SQLException e) {
        String m = String.valueOf(e.getMessage());
        return m.contains("SQLITE_NOTADB") || m.contains("SQLITE_CORRUPT");
    }

    private static UserError notOurs(Path file, String why) {
        String reason = why == null ? "unreadable" : why.replaceAll("\\s+", " ").strip();
        // SQLite's "[SQLITE_NOTADB] File opened that is not a database file (file is not a database)": the detail
        java.util.regex.Matcher m = Pattern.compile("^\\[SQLITE_\\w+\\][^(]*\\((.+)\\)$").matcher(reason);
        if (m.matches()) {
            reason = m.group(1);
        }
        return new UserError(file + " is not an nclab results database (" + reason + ")");
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException ignored) {
            // the file is refused either way
        }
    }

    /** An empty database in memory (a single run's report reads its directory into one). */
    public static ResultsDb inMemory() {
        return create(connect("jdbc:sqlite::memory:", new SQLiteConfig()), ":memory:");
    }

    private static Connection connect(String url, SQLiteConfig config) {
        try {
            return DriverManager.getConnection(url, config.toProperties());
        } catch (SQLException e) {
            if (notADatabase(e) && url.startsWith("jdbc:sqlite:/")) {
                throw notOurs(Path.of(url.substring("jdbc:sqlite:".length())), e.getMessage());
            }
            throw new UserError("cannot open results database " + url + ": " + e.getMessage());
        }
    }

    private static ResultsDb create(Connection c, String where) {
        ResultsDb r = new ResultsDb(c);
        r.transaction(() -> {
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE IF NOT EXISTS sweep(key TEXT PRIMARY KEY, value TEXT)");
                s.execute("CREATE TABLE IF NOT EXISTS runs(run_id TEXT PRIMARY KEY, status TEXT NOT NULL,"
                        + " loss TEXT NOT NULL, seed INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,"
                        + " started TEXT, finished TEXT, seconds REAL, exit_code INTEGER, step_name TEXT,"
                        + " command TEXT, run_dir TEXT, command_line TEXT, error TEXT)");
                s.execute("CREATE TABLE IF NOT EXISTS probes(run_id TEXT NOT NULL, step REAL NOT NULL,"
                        + " metric TEXT NOT NULL, value REAL, PRIMARY KEY(run_id, metric, step)) WITHOUT ROWID");
                s.execute("CREATE TABLE IF NOT EXISTS run_columns(name TEXT PRIMARY KEY, kind TEXT NOT NULL,"
                        + " position INTEGER NOT NULL)");
            }
        });
        return r;
    }

    /** Something done inside one transaction. */
    @FunctionalInterface
    interface Work {
        void run() throws SQLException;
    }

    private void transaction(Work work) {
        try {
            db.setAutoCommit(false);
            try {
                work.run();
                db.commit();
            } catch (SQLException | RuntimeException e) {
                db.rollback();
                throw e;
            } finally {
                db.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("results database: " + e.getMessage(), e);
        }
    }

    /** Records the sweep's name, command and specification (JSON). */
    public void describe(SweepSpec spec) {
        transaction(() -> {
            putMeta("name", spec.name());
            putMeta("command", spec.command());
            putMeta("spec", Json.line(spec.toJson()));
        });
    }

    private void putMeta(String key, String value) throws SQLException {
        try (PreparedStatement p = db.prepareStatement("INSERT OR REPLACE INTO sweep(key, value) VALUES (?, ?)")) {
            p.setString(1, key);
            p.setString(2, value);
            p.executeUpdate();
        }
    }

    /** The spec of the sweep this database belongs to, or null for one that records none (a report's). */
    SweepSpec recordedSpec() {
        String json = meta().get("spec");
        return json == null ? null : SweepSpec.fromJsonText(json, FILE);
    }

    /** The sweep's name, command and spec as recorded (empty for a single run's database). */
    public Map<String, String> meta() {
        Map<String, String> m = new LinkedHashMap<>();
        query("SELECT key, value FROM sweep", rs -> m.put(rs.getString(1), rs.getString(2)));
        return m;
    }

    /**
     * Adds the runs not yet in the table as pending, with their settings (the sweep's fixed options and the
     * run's grid values); runs already there keep their status.
     */
    public void register(String command, List<RunSpec> runs, Map<String, String> options, Path runsDir) {
        transaction(() -> {
            for (RunSpec r : runs) {
                Map<String, Object> settings = new LinkedHashMap<>();
                r.varied().forEach((k, v) -> settings.put(k, typed(v)));
                options.forEach((k, v) -> settings.putIfAbsent(SweepSpec.settingName(k), typed(v)));
                // absolute: `results` and `report` look for a run's lock from wherever they are started
                insertRun(r.id(), command, r.loss(), r.seed(), settings,
                        runsDir.toAbsolutePath().normalize().resolve(r.id()).toString());
            }
        });
    }

    private void insertRun(String id, String command, String loss, long seed, Map<String, Object> settings,
            String runDir) throws SQLException {
        try (PreparedStatement p = db.prepareStatement("INSERT OR IGNORE INTO runs(run_id, status, loss, seed,"
                + " command, run_dir) VALUES (?, 'pending', ?, ?, ?, ?)")) {
            p.setString(1, id);
            p.setString(2, loss);
            p.setLong(3, seed);
            p.setString(4, command);
            p.setString(5, runDir);
            p.executeUpdate();
        }
        update(id, settings, "setting");
    }

    /** Sets columns of one run, adding the columns that do not exist yet with the given kind. */
    private void update(String id, Map<String, Object> values, String kind) throws SQLException {
        for (Map.Entry<String, Object> e : values.entrySet()) {
            String col = ensureColumn(e.getKey(), kind);
            try (PreparedStatement p = db.prepareStatement("UPDATE runs SET \"" + col + "\" = ? WHERE run_id = ?")) {
                p.setObject(1, e.getValue());
                p.setString(2, id);
                p.executeUpdate();
            }
        }
    }

    private String ensureColumn(String name, String kind) throws SQLException {
        String col = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
        if (!COLUMN.matcher(col).matches()) {
            col = "_" + col;
        }
        List<String> existing = columns();
        if (kind.equals("result") && existing.contains(col) && !kindOf(col).equals("result")) {
            col = "result_" + col;
        }
        if (existing.contains(col)) {
            return col;
        }
        try (Statement s = db.createStatement()) {
            // A setting (grid axis or fixed option) is NUMERIC, so that a condition compares it with text and
            // number literals alike (epochs = '2' as epochs = 2), while a value that is no number (a loss, an
            // optimiser) stays text. Results keep no affinity: a text field that looks like a number (a version,
            // say) stays as written. Columns of older databases, made without one, are read as before.
            s.execute("ALTER TABLE runs ADD COLUMN \"" + col + "\"" + (kind.equals("setting") ? " NUMERIC" : ""));
        }
        try (PreparedStatement p = db.prepareStatement("INSERT INTO run_columns(name, kind, position)"
                + " VALUES (?, ?, (SELECT COALESCE(MAX(position), 0) + 1 FROM run_columns))")) {
            p.setString(1, col);
            p.setString(2, kind);
            p.executeUpdate();
        }
        return col;
    }

    private String kindOf(String col) {
        String[] kind = {"fixed"};
        query("SELECT kind FROM run_columns WHERE name = '" + col + "'", rs -> kind[0] = rs.getString(1));
        return kind[0];
    }

    /** The value as SQLite should hold it: integers and reals as numbers, the rest as text. */
    static Object typed(String v) {
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException notLong) {
            try {
                double d = Double.parseDouble(v);
                return Double.isFinite(d) ? d : null;
            } catch (NumberFormatException notDouble) {
                return v;
            }
        }
    }

    /** The status of a run ({@code null} when it is not in the table). */
    public String status(String runId) {
        String[] s = {null};
        try (PreparedStatement p = db.prepareStatement("SELECT status FROM runs WHERE run_id = ?")) {
            p.setString(1, runId);
            try (ResultSet rs = p.executeQuery()) {
                if (rs.next()) {
                    s[0] = rs.getString(1);
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("results database: " + e.getMessage(), e);
        }
        return s[0];
    }

    /** A run's command line where the database has none (a run recorded from its folder's files). */
    public void noteCommandLine(String runId, String commandLine) {
        transaction(() -> {
            try (PreparedStatement p = db.prepareStatement("UPDATE runs SET command_line = COALESCE(command_line, ?)"
                    + " WHERE run_id = ?")) {
                p.setString(1, commandLine);
                p.setString(2, runId);
                p.executeUpdate();
            }
        });
    }

    /** Marks a run as started now (one more attempt) with its exact command line. */
    public void markRunning(String runId, String started, String commandLine, boolean resumed) {
        transaction(() -> {
            // The first attempt's command line is the run's: a resumed attempt's (--resume DIR) says nothing
            // of the settings, and its stderr.log keeps every attempt's own line. An attempt that starts the run
            // over (nothing to resume) is the run: its line replaces the earlier one, which may have asked for
            // another thread count.
            try (PreparedStatement p = db.prepareStatement("UPDATE runs SET status = 'running', started = ?,"
                    + " finished = NULL, attempts = attempts + 1, command_line = "
                    + (resumed ? "COALESCE(command_line, ?)" : "?") + ", error = NULL WHERE run_id = ?")) {
                p.setString(1, started);
                p.setString(2, commandLine);
                p.setString(3, runId);
                p.executeUpdate();
            }
        });
    }

    /** How one attempt of a run ended. */
    public record Finished(String runId, boolean complete, String finished, double seconds, int exitCode,
            Map<String, Object> result, ProbeTable probes, String error) {}

    /** Records the end of a run: its row and all its probe rows, in one transaction. */
    public void recordFinished(Finished f) {
        transaction(() -> writeFinished(f));
    }

    private void writeFinished(Finished f) throws SQLException {
        try (PreparedStatement p = db.prepareStatement("UPDATE runs SET status = ?, finished = ?, seconds = ?,"
                + " exit_code = ?, step_name = ?, error = ? WHERE run_id = ?")) {
            p.setString(1, f.complete() ? "complete" : "failed");
            p.setString(2, f.finished());
            p.setObject(3, Double.isFinite(f.seconds()) ? f.seconds() : null);
            p.setInt(4, f.exitCode());
            p.setString(5, f.probes().stepName());
            p.setString(6, f.error());
            p.setString(7, f.runId());
            if (p.executeUpdate() != 1) {
                throw new IllegalStateException("run " + f.runId() + " is not in the results database");
            }
        }
        Map<String, Object> results = new LinkedHashMap<>();
        f.result().forEach((k, v) -> results.put(k, resultValue(v)));
        update(f.runId(), results, "result");
        try (PreparedStatement del = db.prepareStatement("DELETE FROM probes WHERE run_id = ?")) {
            del.setString(1, f.runId());
            del.executeUpdate();
        }
        try (PreparedStatement p = db.prepareStatement(
                "INSERT OR REPLACE INTO probes(run_id, step, metric, value) VALUES (?, ?, ?, ?)")) {
            String step = f.probes().stepName();
            for (Map<String, Double> row : f.probes().rows()) {
                Double s = row.get(step);
                if (s == null) {
                    continue;
                }
                for (Map.Entry<String, Double> e : row.entrySet()) {
                    if (e.getKey().equals(step)) {
                        continue;
                    }
                    p.setString(1, f.runId());
                    p.setDouble(2, s);
                    p.setString(3, e.getKey());
                    p.setObject(4, Double.isFinite(e.getValue()) ? e.getValue() : null);
                    p.addBatch();
                }
            }
            p.executeBatch();
        }
    }

    /** Adds one finished run that belongs to no sweep (a run directory read for its report). */
    public void addRun(String runId, String command, String loss, long seed, Map<String, Object> settings,
            String runDir, Finished f) {
        addRun(runId, command, loss, seed, settings, runDir, null, f);
    }

    /** As {@link #addRun(String, String, String, long, Map, String, Finished)}, with the run's command line. */
    public void addRun(String runId, String command, String loss, long seed, Map<String, Object> settings,
            String runDir, String commandLine, Finished f) {
        transaction(() -> {
            Map<String, Object> s = new LinkedHashMap<>();
            settings.forEach((k, v) -> s.put(k, v instanceof String str ? typed(str) : resultValue(v)));
            insertRun(runId, command, loss, seed, s, runDir);
            try (PreparedStatement p = db.prepareStatement("UPDATE runs SET command_line = ? WHERE run_id = ?")) {
                p.setString(1, commandLine);
                p.setString(2, runId);
                p.executeUpdate();
            }
            writeFinished(f);
        });
    }

    private static Object resultValue(Object v) {
        if (v == null || v instanceof Number || v instanceof Boolean) {
            return v instanceof Double d && !Double.isFinite(d) ? null : v instanceof Boolean b ? b.toString() : v;
        }
        if (v instanceof String s) {
            return s.equalsIgnoreCase("NaN") || s.equals("Infinity") || s.equals("-Infinity") ? null : s;
        }
        return Json.line(v);
    }

    /** The columns of {@code runs} in reading order: identity, settings, timings, results, provenance. */
    public List<String> columns() {
        List<String> settings = new ArrayList<>();
        List<String> results = new ArrayList<>();
        query("SELECT name, kind FROM run_columns ORDER BY position",
                rs -> (rs.getString(2).equals("setting") ? settings : results).add(rs.getString(1)));
        List<String> all = new ArrayList<>(LEADING);
        all.addAll(settings);
        all.addAll(TIMING);
        all.addAll(results);
        all.addAll(TRAILING);
        return all;
    }

    /** The names of the setting columns (grid axes and fixed options), in order. */
    public List<String> settingColumns() {
        return columnsOfKind("setting");
    }

    /** The names of the result columns (the runs' final JSON fields), in order. */
    public List<String> resultColumns() {
        return columnsOfKind("result");
    }

    private List<String> columnsOfKind(String kind) {
        List<String> out = new ArrayList<>();
        query("SELECT name FROM run_columns WHERE kind = '" + kind + "' ORDER BY position", rs -> out.add(rs.getString(1)));
        return out;
    }

    /**
     * The runs whose row satisfies the SQL condition {@code where} (null: all), in the order they were
     * registered, each as column → value in {@link #columns()} order.
     */
    public List<Map<String, Object>> runs(String where) {
        List<String> cols = columns();
        boolean shown = registerShownStatus();
        // The condition sees the status a user is shown (Sweep.shownStatus: a run recorded as running whose
        // process is gone is "interrupted"), so --where "status = 'interrupted'" finds those runs and
        // "status = 'running'" only the live ones.
        // rowid too, under its own name: a condition on it worked on the table itself
        StringBuilder inner = new StringBuilder("SELECT rowid AS ").append(ORDER).append(", rowid AS rowid");
        StringBuilder sql = new StringBuilder("SELECT ");
        for (int i = 0; i < cols.size(); i++) {
            String c = '"' + cols.get(i) + '"';
            sql.append(i == 0 ? "" : ", ").append(c);
            inner.append(", ").append(shown && cols.get(i).equals("status") ? SHOWN_STATUS + "(status, run_dir) AS status" : c);
        }
        sql.append(" FROM (").append(inner).append(" FROM runs)");
        if (where != null && !where.isBlank()) {
            if (!balanced(where)) {
                // "a) OR (b" would close nclab's own parenthesis and read as two conditions: not what was typed
                throw new UserError("bad --where '" + where + "': its parentheses do not pair up, or it holds a"
                        + " comment (-- or /*)");
            }
            // in parentheses: one condition, so a second statement after ';' is a syntax error, not ignored
            sql.append(" WHERE (").append(where).append(')');
        }
        sql.append(" ORDER BY ").append(ORDER);
        List<Map<String, Object>> out = new ArrayList<>();
        try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery(sql.toString())) {
            ResultSetMetaData md = rs.getMetaData();
            while (rs.next()) {
                Map<String, Object> row = new LinkedHashMap<>();
                for (int i = 1; i <= md.getColumnCount(); i++) {
                    row.put(cols.get(i - 1), rs.getObject(i));
                }
                out.add(row);
            }
        } catch (SQLException e) {
            if (where != null) {
                // SQLite says "[SQLITE_ERROR] SQL error or missing database (near ")": syntax error)": keep what
                // is inside, and nothing of the query nclab wraps the condition in
                String why = e.getMessage();
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\((.*)\\)\\s*$").matcher(why);
                if (why.startsWith("[SQLITE") && m.find()) {
                    why = m.group(1);
                }
                why = why.replace(") ORDER BY " + ORDER, ""); // an unclosed quote swallows the rest of the query
                if ((why.startsWith("near \")\"") && !where.contains(")")) || why.contains("incomplete input")) {
                    why = "the condition is incomplete";
                }
                throw new UserError("bad --where '" + where + "': " + why + " (columns: " + String.join(", ", cols)
                        + ")");
            }
            throw new IllegalStateException("results database: " + e.getMessage(), e);
        }
        return out;
    }

    /**
     * Whether the parentheses of an SQL condition pair up, outside its quoted strings and names ('…', "…", `…`,
     * […]) and comments; a comment is refused outright (it could hide a parenthesis from this count, and a condition
     * needs none).
     */
    static boolean balanced(String condition) {
        int depth = 0;
        char quote = 0;
        char[] cs = condition.toCharArray();
        for (int i = 0; i < cs.length; i++) {
            char c = cs[i];
            if (quote != 0) {
                quote = c == quote ? 0 : quote; // '' inside a string closes and reopens it: the same for counting
            } else if (c == '\'' || c == '"' || c == '`') {
                quote = c;
            } else if (c == '[') {
                quote = ']';
            } else if (i + 1 < cs.length && (c == '-' && cs[i + 1] == '-' || c == '/' && cs[i + 1] == '*')) {
                return false;
            } else if (c == '(') {
                depth++;
            } else if (c == ')' && --depth < 0) {
                return false;
            }
        }
        return depth == 0 || quote != 0; // an unclosed quote is SQLite's to report
    }

    /** The row order column of {@link #runs}'s inner query (a name no setting can take: settings are options). */
    private static final String ORDER = "nclab_row_order";
    private static final String SHOWN_STATUS = "nclab_shown_status";
    private boolean shownStatusRegistered;

    /** Whether the shown-status function is there for {@link #runs}'s query (registered on first use). */
    private boolean registerShownStatus() {
        if (shownStatusRegistered || !columns().containsAll(List.of("status", "run_dir"))) {
            return shownStatusRegistered;
        }
        try {
            org.sqlite.Function.create(db, SHOWN_STATUS, new org.sqlite.Function() {
                @Override
                protected void xFunc() throws SQLException {
                    String shown = Sweep.shownStatus(value_text(0), runFolder(value_text(1)));
                    if (shown == null) {
                        result();
                    } else {
                        result(shown);
                    }
                }
            });
            shownStatusRegistered = true;
            return true;
        } catch (SQLException e) {
            throw new IllegalStateException("results database: " + e.getMessage(), e);
        }
    }

    /**
     * A run's folder as it is now: runs/&lt;id&gt; beside the database where that exists (a sweep's layout, wherever
     * the sweep has been moved since, and for a database whose run_dir is relative to where an older nclab's sweep
     * was started), else the recorded path.
     */
    private String runFolder(String recorded) {
        if (recorded == null || home == null) {
            return recorded;
        }
        try {
            Path here = home.resolve("runs").resolve(Path.of(recorded).getFileName().toString());
            return Files.isDirectory(here) ? here.toString() : recorded;
        } catch (java.nio.file.InvalidPathException e) {
            return recorded;
        }
    }

    /** One run's probes: metric → (steps, values), steps ascending. */
    public Map<String, double[][]> probes(String runId) {
        Map<String, List<double[]>> acc = new LinkedHashMap<>();
        try (PreparedStatement p = db.prepareStatement(
                "SELECT metric, step, value FROM probes WHERE run_id = ? ORDER BY metric, step")) {
            p.setString(1, runId);
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    double v = rs.getDouble(3);
                    if (rs.wasNull()) {
                        v = Double.NaN;
                    }
                    acc.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(new double[] {rs.getDouble(2), v});
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("results database: " + e.getMessage(), e);
        }
        Map<String, double[][]> out = new LinkedHashMap<>();
        acc.forEach((metric, points) -> {
            double[][] xy = new double[2][points.size()];
            for (int i = 0; i < points.size(); i++) {
                xy[0][i] = points.get(i)[0];
                xy[1][i] = points.get(i)[1];
            }
            out.put(metric, xy);
        });
        return out;
    }

    /** The number of probe rows (run, step, metric) stored. */
    public long probeCount() {
        long[] n = {0};
        query("SELECT COUNT(*) FROM probes", rs -> n[0] = rs.getLong(1));
        return n[0];
    }

    /** SQLite's {@code PRAGMA integrity_check}: "ok" for a sound file. */
    public String integrityCheck() {
        StringBuilder sb = new StringBuilder();
        query("PRAGMA integrity_check", rs -> sb.append(sb.length() == 0 ? "" : "; ").append(rs.getString(1)));
        return sb.toString();
    }

    /** Handles one row of a query's result. */
    @FunctionalInterface
    private interface RowHandler {
        void row(ResultSet rs) throws SQLException;
    }

    private void query(String sql, RowHandler handler) {
        try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                handler.row(rs);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("results database: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            db.close();
        } catch (SQLException e) {
            throw new IllegalStateException("results database: " + e.getMessage(), e);
        }
    }
}
