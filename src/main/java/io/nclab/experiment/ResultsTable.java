package io.nclab.experiment;

import io.nclab.io.Csv;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The runs table as text: RFC 4180 CSV for spreadsheets, and aligned columns for a terminal. */
public final class ResultsTable {
    private ResultsTable() {}

    /** Columns a terminal table leaves out unless asked: long provenance text. */
    private static final Set<String> LONG = Set.of("command_line", "run_dir", "error", "command", "started", "finished");

    public static List<String> brief(List<String> columns) {
        return columns.stream().filter(c -> !LONG.contains(c)).toList();
    }

    /** A header line and one line per run (see {@link Csv}). */
    public static String csv(List<String> columns, List<Map<String, Object>> rows) {
        return Csv.ofMaps(columns, rows);
    }

    static String cell(Object v) {
        return Csv.cell(v);
    }

    /** Aligned columns, numbers to four significant digits. */
    public static String text(List<String> columns, List<Map<String, Object>> rows) {
        List<String[]> table = new ArrayList<>();
        table.add(columns.toArray(String[]::new));
        for (Map<String, Object> r : rows) {
            String[] cells = new String[columns.size()];
            for (int i = 0; i < cells.length; i++) {
                Object v = r.get(columns.get(i));
                cells[i] = v instanceof Double d ? Csv.significant(d, 4) : cell(v); // 0.25, not 0.2500
            }
            table.add(cells);
        }
        int[] width = new int[columns.size()];
        for (String[] row : table) {
            for (int i = 0; i < row.length; i++) {
                width[i] = Math.max(width[i], row[i].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (String[] row : table) {
            for (int i = 0; i < row.length; i++) {
                sb.append(i == 0 ? "" : "  ").append(String.format("%-" + width[i] + "s", row[i]));
            }
            sb.append('\n');
        }
        return sb.toString();
    }
}
