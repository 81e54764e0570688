package io.nclab.experiment;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A stand-in for {@code nclab train} in sweep tests: epochs of {@code --sleep-ms} each, a metrics.csv row
 * and a checkpoint after each, {@code --resume DIR} from the checkpoint, a JSON line at the end; every
 * start ("fresh" or "resume") and every finish ("done") appended to starts.log so tests can count them.
 * {@code --fail} exits with status 3 and a message on stderr.
 */
public final class FakeChild {
    private FakeChild() {}

    public static void main(String[] args) throws Exception {
        ParentWatch.startIfAsked();
        Map<String, String> o = new HashMap<>();
        for (int i = 1; i < args.length; i++) {
            if (args[i].startsWith("--")) {
                boolean hasValue = i + 1 < args.length && !args[i + 1].startsWith("--");
                o.put(args[i].substring(2), hasValue ? args[++i] : "true");
            }
        }
        boolean resume = o.containsKey("resume");
        Path dir = Path.of(resume ? o.get("resume") : o.get("out"));
        Files.createDirectories(dir);
        if (o.containsKey("fail")) {
            System.err.println("fake failure as asked");
            System.exit(3);
        }
        Map<String, String> settings;
        if (resume) {
            settings = new HashMap<>();
            for (String line : Files.readAllLines(dir.resolve("config.txt"))) {
                String[] kv = line.split("=", 2);
                settings.put(kv[0], kv[1]);
            }
        } else {
            settings = o;
            StringBuilder sb = new StringBuilder();
            o.forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
            Files.writeString(dir.resolve("config.txt"), sb.toString());
            Files.writeString(dir.resolve("config.json"), "{\"command\": \"train\"}\n");
        }
        append(dir.resolve("starts.log"), resume ? "resume" : "fresh");
        int epochs = Integer.parseInt(settings.getOrDefault("epochs", "3"));
        double width = Double.parseDouble(settings.getOrDefault("width", "1"));
        long sleep = Long.parseLong(settings.getOrDefault("sleep-ms", "100"));
        Path ckpt = dir.resolve("checkpoint.txt");
        int from = resume && Files.exists(ckpt) ? Integer.parseInt(Files.readString(ckpt).strip()) : 0;
        List<String> rows = new ArrayList<>();
        rows.add("epoch,train_accuracy,test_accuracy,nc1");
        if (from > 0) {
            List<String> old = Files.readAllLines(dir.resolve("metrics.csv"));
            rows.addAll(old.subList(1, from + 1));
        }
        double test = 0;
        double nc1 = 0;
        for (int e = from + 1; e <= epochs; e++) {
            Thread.sleep(sleep);
            test = 0.5 + 0.4 * (1 - Math.exp(-e * width / 4));
            nc1 = 10 * Math.exp(-e * width / 2);
            rows.add(e + "," + Math.min(1, test + 0.1) + "," + test + "," + nc1);
            write(dir.resolve("metrics.csv"), String.join("\n", rows) + "\n");
            write(ckpt, Integer.toString(e));
            // a ufm run logs its progress on standard output, a training run on standard error
            java.io.PrintStream progress = settings.containsKey("stdout-progress") ? System.out : System.err;
            progress.println("epoch " + e + "/" + epochs);
            progress.flush();
        }
        append(dir.resolve("starts.log"), "done");
        System.out.println("epoch " + epochs + " finished");
        System.out.println("{\"test_accuracy\": " + test + ", \"final_nc1\": " + nc1 + ", \"epochs\": " + epochs
                + ", \"final_nc2\": \"NaN\", \"run_dir\": \"" + dir + "\"}");
    }

    private static void write(Path file, String text) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, text);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void append(Path file, String line) throws IOException {
        Files.writeString(file, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /** Runs a sweep of fake children from the command line, for the kill -9 test: DIR WORKERS EPOCHS SLEEP_MS. */
    public static final class Driver {
        private Driver() {}

        public static void main(String[] args) {
            Sweep.Outcome o = new Sweep(Path.of(args[0]), SweepTest.spec(args[2], args[3]), SweepTest.CHILD, System.err)
                    .run(Integer.parseInt(args[1]), 1);
            System.exit(o.allComplete() ? 0 : 1);
        }
    }
}
