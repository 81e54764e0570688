package io.nclab.cli;

import io.nclab.experiment.ResultsDb;
import io.nclab.experiment.ResultsTable;
import io.nclab.io.AtomicFiles;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code nclab results}: prints or exports a sweep's runs table. */
@Command(name = "results", mixinStandardHelpOptions = true,
        description = "Print a sweep's runs (one row per run: settings, status, timings, final figures) from its"
                + " results database, or export them as CSV.")
public final class ResultsCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "NAME|DIR", description = "The sweep's name (under --root) or directory.")
    String sweep;

    @Option(names = "--where", paramLabel = "CONDITION",
            description = "An SQL condition on the runs' columns, e.g. \"loss = 'ce' AND width >= 1\" or"
                    + " \"status = 'interrupted'\" (the status as shown); the loss is stored in full, with its"
                    + " defaults written out (focal:gamma=3), so \"loss LIKE 'focal%%'\" takes every focal run.")
    String where;

    @Option(names = "--csv", description = "Print CSV (a header and one row per run) instead of a table.")
    boolean csv;

    @Option(names = "--out", paramLabel = "FILE", description = "Write the CSV to FILE instead of standard output (an existing FILE is"
            + " replaced only if it ends in .csv).")
    Path out;

    @Option(names = "--all-columns", description = "In the table, also show the command line, directory and error.")
    boolean allColumns;

    @Option(names = "--root", defaultValue = "sweeps", paramLabel = "DIR", description = "Where sweeps live. Default: ${DEFAULT-VALUE}.")
    Path root;

    @Override
    public Integer call() {
        Path dir = SweepCommand.sweepDir(sweep, root);
        if (out != null) {
            AtomicFiles.requireWritableAs(out, ".csv", "--out");
        }
        try (ResultsDb db = ResultsDb.openReadOnly(dir.resolve(ResultsDb.FILE))) {
            List<String> columns = db.columns();
            List<Map<String, Object>> rows = db.runs(where);
            if (csv || out != null) {
                String text = ResultsTable.csv(columns, rows);
                if (out != null) {
                    AtomicFiles.writeString(out, text);
                    System.out.println("wrote " + rows.size() + " run" + (rows.size() == 1 ? "" : "s") + " to " + out);
                } else {
                    System.out.print(text);
                }
            } else {
                System.out.print(ResultsTable.text(allColumns ? columns : ResultsTable.brief(columns), rows));
                System.out.println(rows.size() + " run(s)");
            }
        }
        return 0;
    }
}
