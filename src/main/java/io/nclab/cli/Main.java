package io.nclab.cli;

import io.nclab.UserError;
import io.nclab.Version;
import io.nclab.experiment.ParentWatch;
import io.nclab.experiment.Provenance;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code nclab} command: parses, hands each subcommand to its class, turns user errors into one line. */
@Command(
        name = "nclab",
        mixinStandardHelpOptions = true,
        versionProvider = Main.VersionProvider.class,
        description = "Neural Collapse and the choice of classification loss: the unconstrained feature model,"
                + " its closed-form theory, NC metrics and real networks.",
        subcommands = {
            UfmCommand.class,
            TheoryCommand.class,
            MetricsCommand.class,
            LandscapeCommand.class,
            SaddleCommand.class,
            SweepCommand.class,
            ResultsCommand.class,
            ReportCommand.class,
            ReproduceCommand.class,
            ConvexityCommand.class,
            TrainCommand.class,
            FeaturesCommand.class,
            CdsWarmupCommand.class,
        })
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** No command given: a usage error, one line naming the commands (--help prints the whole usage). */
    @Override
    public void run() {
        throw new UserError("give a command: " + String.join(", ", spec.subcommands().entrySet().stream()
                .filter(e -> !e.getValue().getCommandSpec().usageMessage().hidden()).map(java.util.Map.Entry::getKey)
                .toList()) + " (see 'nclab"
                + " --help')");
    }

    public static void main(String[] args) {
        System.setProperty("ai.djl.offline", "true");
        ParentWatch.startIfAsked();
        WatchedOut out = new WatchedOut(new java.io.FileOutputStream(java.io.FileDescriptor.out));
        // as the JVM's own standard output (line-flushed), but remembering why a write failed
        System.setOut(new java.io.PrintStream(new java.io.BufferedOutputStream(out, 8192), true,
                java.nio.charset.Charset.defaultCharset()));
        // Ctrl-C or a kill while a command works: one line saying so (train and sweep say how to continue instead)
        String name = "nclab" + (args.length > 0 && !args[0].startsWith("-") ? " " + args[0] : "");
        Thread said = new Thread(() -> {
            if (!io.nclab.Interruption.isExplainedElsewhere()) {
                io.nclab.Interruption.say(name + ": interrupted");
            }
        }, "nclab-interrupted");
        Runtime.getRuntime().addShutdownHook(said);
        int code = execute(args);
        try {
            Runtime.getRuntime().removeShutdownHook(said); // System.exit below runs the hooks: not an interruption
        } catch (IllegalStateException shuttingDown) {
            // a signal came as the command ended: its line is said
        }
        System.out.flush();
        java.io.IOException failed = out.failure;
        // a reader that stopped reading (| head) wanted no more; anything else (a full disk: > file) lost output
        if (code == 0 && System.out.checkError() && !(failed != null && "Broken pipe".equals(failed.getMessage()))) {
            System.err.println("nclab: standard output failed, so the output is incomplete: "
                    + (failed == null ? "an error writing to it" : io.nclab.io.IoErrors.reason(failed)));
            code = 2;
        }
        System.exit(code);
    }

    /** Standard output's bytes, with the exception of the write that failed (PrintStream keeps only a flag). */
    private static final class WatchedOut extends java.io.FilterOutputStream {
        volatile java.io.IOException failure;

        WatchedOut(java.io.OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws java.io.IOException {
            try {
                out.write(b, off, len);
            } catch (java.io.IOException e) {
                failure = e;
                throw e;
            }
        }

        @Override
        public void write(int b) throws java.io.IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void flush() throws java.io.IOException {
            try {
                out.flush();
            } catch (java.io.IOException e) {
                failure = e;
                throw e;
            }
        }
    }

    /**
     * Where a command's human-readable lines go: standard output, or standard error under --json, so that standard
     * output is the JSON object alone.
     */
    static java.io.PrintStream text(boolean json) {
        return json ? System.err : System.out;
    }

    /** Runs the CLI and returns its exit code: 0 fine, 2 user error, 1 bug. */
    public static int execute(String... args) {
        Provenance.invokedWith(args);
        CommandLine cl = new CommandLine(new Main());
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        // Every subcommand lists -V/--version; without the provider it would print nothing.
        for (CommandLine sub : cl.getSubcommands().values()) {
            sub.getCommandSpec().versionProvider(new VersionProvider());
        }
        // An empty path would silently mean the current directory (or fail with a garbled message).
        cl.registerConverter(Path.class, s -> {
            if (s.isBlank()) {
                throw new CommandLine.TypeConversionException("an empty path");
            }
            return Path.of(s);
        });
        cl.setParameterExceptionHandler((ex, a) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            String name = ex.getCommandLine().getCommandSpec().qualifiedName();
            err.println(name + ": " + ex.getMessage().replace('\n', ' ')
                    + " (see '" + name + " --help')");
            err.flush();
            return 2;
        });
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            Throwable t = ex;
            while (t != null && !(t instanceof UserError)) {
                t = t.getCause();
            }
            if (t != null) {
                PrintWriter err = commandLine.getErr();
                err.println(commandLine.getCommandSpec().qualifiedName() + ": " + t.getMessage());
                err.flush();
                return 2;
            }
            String memory = outOfMemory(ex);
            if (memory != null) {
                PrintWriter err = commandLine.getErr();
                err.println(commandLine.getCommandSpec().qualifiedName() + ": " + outOfMemoryLine(memory));
                err.flush();
                return 1;
            }
            throw ex;
        });
        try {
            return cl.execute(args);
        } catch (OutOfMemoryError e) {
            // picocli hands Errors on: the JVM's heap (or Java's 2 GB array limit) ran out
            PrintWriter err = cl.getErr();
            err.println("nclab: " + outOfMemoryLine(outOfMemory(e)));
            err.flush();
            return 1;
        } finally {
            Provenance.invokedWith((String[]) null); // only this command's files record it
        }
    }

    /** The one line for an allocation that failed: what ran out, and what needs less (or, for the heap, more heap). */
    private static String outOfMemoryLine(String memory) {
        return "out of memory (" + memory + "): a smaller problem, batch, network or number of --workers needs less"
                + (memory.contains("Java heap space") || memory.contains("GC overhead limit")
                        ? "; " + io.nclab.SystemMemory.heapHint() : "");
    }

    /**
     * What ran out, where {@code ex} or a cause is a failed allocation: the JVM's own, or the PyTorch natives'
     * (an {@code EngineException} from their CPU or CUDA allocator); null otherwise.
     */
    static String outOfMemory(Throwable ex) {
        for (Throwable t = ex; t != null; t = t.getCause()) {
            String m = String.valueOf(t.getMessage());
            if (t instanceof OutOfMemoryError) {
                return "Java: " + m;
            }
            if (t instanceof ai.djl.engine.EngineException && (m.contains("can't allocate memory")
                    || m.contains("out of memory") || m.contains("DefaultCPUAllocator"))) {
                int cut = m.indexOf('\n');
                return "native: " + (cut < 0 ? m : m.substring(0, cut)).trim();
            }
        }
        return null;
    }

    /** --version: nclab's version and commit. */
    public static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"nclab " + Version.version() + " (commit " + Version.commit() + ")"};
        }
    }
}
