package io.nclab.train;

import io.nclab.io.AtomicFiles;
import io.nclab.io.Csv;
import io.nclab.io.Json;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Rows of a run's table, one per probe (or epoch), rewritten whole and atomically to {@code NAME.csv} and
 * {@code NAME.jsonl} after every row, so a killed run leaves complete files.
 */
public final class MetricsLog {
    private final Path dir;
    private final String name;
    private final List<String> columns;
    private final List<Map<String, Object>> rows = new ArrayList<>();

    public MetricsLog(Path dir, String name) {
        this(dir, name, List.of());
    }

    /**
     * A table whose CSV starts with {@code columns} in that order (a cell left empty where a row has none, so that
     * a reader going by position finds the same header in every run), then any others in order of appearance.
     */
    public MetricsLog(Path dir, String name, List<String> columns) {
        this.dir = dir;
        this.name = name;
        this.columns = columns;
    }

    public List<Map<String, Object>> rows() {
        return rows;
    }

    /** Replaces the rows (a resumed run's, from its checkpoint) and rewrites the files. */
    public void reset(List<Map<String, Object>> restored) {
        rows.clear();
        for (Map<String, Object> r : restored) {
            rows.add(new LinkedHashMap<>(r));
        }
        write();
    }

    public void add(Map<String, Object> row) {
        rows.add(row);
        write();
    }

    /** Rewrites the files after a row was changed in place (a cell known only after the row was added). */
    public void rewrite() {
        write();
    }

    private void write() {
        StringBuilder jsonl = new StringBuilder();
        for (Map<String, Object> r : rows) {
            jsonl.append(Json.result(r)).append('\n'); // undefined numbers as null, as every JSON nclab writes for readers
        }
        List<String> header = new ArrayList<>(columns);
        for (String c : Csv.columnsOf(rows)) {
            if (!header.contains(c)) {
                header.add(c);
            }
        }
        AtomicFiles.writeString(dir.resolve(name + ".csv"), Csv.ofMaps(header, rows));
        AtomicFiles.writeString(dir.resolve(name + ".jsonl"), jsonl.toString());
    }
}
