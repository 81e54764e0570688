package io.nclab.io;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Plain CSV tables (a header, then rows of cells; cells with a comma, quote or line break quoted), the
 * one CSV writer of nclab: trajectories, probe tables, margins, results exports and figure grids.
 */
public final class Csv {
    private Csv() {}

    /** Writes the header and rows atomically. */
    public static void write(Path target, List<String> header, List<List<String>> rows) {
        AtomicFiles.writeString(target, text(header, rows));
    }

    /** The header and rows as CSV text. */
    public static String text(List<String> header, List<List<String>> rows) {
        StringBuilder sb = new StringBuilder();
        appendRow(sb, header);
        for (List<String> row : rows) {
            if (row.size() != header.size()) {
                throw new IllegalArgumentException("row has " + row.size() + " cells, header " + header.size());
            }
            appendRow(sb, row);
        }
        return sb.toString();
    }

    /** Rows given as maps, one column per name in {@code columns} (missing values are empty cells). */
    public static String ofMaps(List<String> columns, List<? extends Map<String, ?>> rows) {
        List<List<String>> cells = new ArrayList<>();
        for (Map<String, ?> r : rows) {
            List<String> row = new ArrayList<>(columns.size());
            for (String c : columns) {
                row.add(cell(r.get(c)));
            }
            cells.add(row);
        }
        return text(columns, cells);
    }

    /** Every key of the rows, in the order first seen. */
    public static List<String> columnsOf(List<? extends Map<String, ?>> rows) {
        Set<String> columns = new LinkedHashSet<>();
        rows.forEach(r -> columns.addAll(r.keySet()));
        return new ArrayList<>(columns);
    }

    /** A value as a cell: empty for null, whole doubles without ".0", other numbers in full precision. */
    public static String cell(Object v) {
        if (v == null) {
            return "";
        }
        if (v instanceof Double d) {
            return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString(d.longValue()) : Double.toString(d);
        }
        return v.toString();
    }

    /**
     * A number as a user types it in an option: 0.25, 64, 0.001, 5e-4 is 0.0005 (no trailing zeros), and below 1e-4
     * or from 1e15 up the short exponent form, 1e-10, 2.5e-7 or 1e300, rather than a run of zeros (an integer below
     * 1e15 is written out).
     */
    public static String plain(double v) {
        if (!Double.isFinite(v)) {
            return Double.toString(v);
        }
        if (v == 0) {
            return "0";
        }
        java.math.BigDecimal b = java.math.BigDecimal.valueOf(v).stripTrailingZeros();
        if (Math.abs(v) >= 1e-4 && Math.abs(v) < 1e15) {
            return b.toPlainString();
        }
        String digits = b.unscaledValue().abs().toString();
        int exponent = digits.length() - 1 - b.scale();
        return (v < 0 ? "-" : "") + digits.charAt(0) + (digits.length() > 1 ? "." + digits.substring(1) : "") + "e"
                + exponent;
    }

    /** v to {@code digits} significant digits, written as {@link #plain} writes it (0.25, 46, 1.235e-5). */
    public static String significant(double v, int digits) {
        if (!Double.isFinite(v) || v == 0) {
            return plain(v);
        }
        return plain(new java.math.BigDecimal(v).round(new java.math.MathContext(digits)).doubleValue());
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
            if (c.contains(",") || c.contains("\"") || c.contains("\n") || c.contains("\r")) {
                sb.append('"').append(c.replace("\"", "\"\"")).append('"');
            } else {
                sb.append(c);
            }
        }
        sb.append('\n');
    }
}
