package io.nclab.io;

import java.nio.file.Path;
import java.util.List;

/** Plain CSV tables (a header, then rows of text cells), written atomically. */
public final class Csv {
    private Csv() {}

    /** Writes the header and rows; cells containing a comma or quote are quoted. */
    public static void write(Path target, List<String> header, List<List<String>> rows) {
        StringBuilder sb = new StringBuilder();
        appendRow(sb, header);
        for (List<String> row : rows) {
            if (row.size() != header.size()) {
                throw new IllegalArgumentException("row has " + row.size() + " cells, header " + header.size());
            }
            appendRow(sb, row);
        }
        AtomicFiles.writeString(target, sb.toString());
    }

    /** A number as CSV text: shortest round-trip form, so the file reads back exactly. */
    public static String num(double v) {
        return Double.toString(v);
    }

    private static void appendRow(StringBuilder sb, List<String> cells) {
        for (int i = 0; i < cells.size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            String c = cells.get(i);
            if (c.contains(",") || c.contains("\"") || c.contains("\n")) {
                sb.append('"').append(c.replace("\"", "\"\"")).append('"');
            } else {
                sb.append(c);
            }
        }
        sb.append('\n');
    }
}
