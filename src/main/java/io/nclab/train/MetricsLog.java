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
    private final List<Map<String, Object>> rows = new ArrayList<>();

    public MetricsLog(Path dir, String name) {
        this.dir = dir;
        this.name = name;
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

    private void write() {
        StringBuilder jsonl = new StringBuilder();
        for (Map<String, Object> r : rows) {
            jsonl.append(Json.result(r)).append('\n'); // undefined numbers as null, as every JSON nclab writes for readers
        }
        AtomicFiles.writeString(dir.resolve(name + ".csv"), Csv.ofMaps(Csv.columnsOf(rows), rows));
        AtomicFiles.writeString(dir.resolve(name + ".jsonl"), jsonl.toString());
    }
}
