package io.nclab.experiment;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How a sweep starts one run: a new JVM on this JVM's class path (the nclab jar when launched from it) with
 * nclab's launcher settings, native thread pools capped at the run's thread budget, and
 * {@link ParentWatch} pointed at this process so that the run ends when the sweep does.
 *
 * @param mainClass the class whose {@code main} takes the command and its arguments
 *     ({@code io.nclab.cli.Main}; tests use a stand-in)
 * @param command the subcommand, first of the child's arguments
 * @param resumable whether the command continues a killed run with {@code --resume DIR}
 * @param threadsFlag whether the command takes {@code --threads N}
 */
public record ChildJvm(String mainClass, String command, boolean resumable, boolean threadsFlag) {

    /**
     * The JVM and its settings up to and including the command's name: a new JVM on this JVM's class path
     * with native thread pools capped at {@code threads} and {@link ParentWatch} pointed at this process.
     */
    public List<String> jvm(int threads) {
        List<String> cmd = new ArrayList<>();
        cmd.add(javaBinary());
        cmd.add("-Xss16m");
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-XX:ActiveProcessorCount=" + threads);
        String archive = System.getProperty("nclab.cds");
        if (archive != null && Files.isRegularFile(Path.of(archive))) {
            // the launcher's class-data-sharing archive of this very jar (see ./nclab)
            cmd.add("-XX:SharedArchiveFile=" + archive);
            cmd.add("-Xlog:cds=off");
            cmd.add("-Xlog:cds+dynamic=off");
            cmd.add("-Dnclab.cds=" + archive);
        }
        cmd.add("-Dai.djl.offline=true");
        cmd.add("-Dai.djl.pytorch.num_threads=" + threads);
        cmd.add("-Dai.djl.pytorch.num_interop_threads=1");
        for (String p : new String[] {"nclab.commit", "nclab.home"}) {
            if (System.getProperty(p) != null) {
                cmd.add("-D" + p + "=" + System.getProperty(p));
            }
        }
        cmd.add("-D" + ParentWatch.PROPERTY + "=" + ProcessHandle.current().pid());
        cmd.add("--add-opens");
        cmd.add("java.base/java.nio=ALL-UNNAMED");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass);
        cmd.add(command);
        return cmd;
    }

    /** The full command line for a run: a fresh one, or the continuation of {@code runDir}. */
    public List<String> commandLine(RunSpec run, Path runDir, int threads, boolean resume) {
        List<String> cmd = jvm(threads);
        if (resume) {
            cmd.add("--resume");
            cmd.add(runDir.toString());
        } else {
            cmd.addAll(run.args());
            cmd.add("--out");
            cmd.add(runDir.toString());
        }
        if (threadsFlag) {
            // a continuation too: the sweep restarted with another --threads budgets its workers anew
            cmd.add("--threads");
            cmd.add(Integer.toString(threads));
        }
        cmd.add("--json");
        return cmd;
    }


    /** The environment additions that cap OpenMP and MKL pools at the run's budget. */
    public static Map<String, String> environment(int threads) {
        return Map.of("OMP_NUM_THREADS", Integer.toString(threads), "MKL_NUM_THREADS", Integer.toString(threads));
    }

    private static String javaBinary() {
        return ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    /** The part of a command line a person would type: from the command on, for records and reports. */
    public static String shown(List<String> commandLine, String mainClass) {
        int at = commandLine.indexOf(mainClass);
        List<String> tail = commandLine.subList(at + 1, commandLine.size());
        StringBuilder sb = new StringBuilder("nclab");
        for (String a : tail) {
            sb.append(' ').append(a.matches("[A-Za-z0-9._/=:,+-]+") ? a : "'" + a.replace("'", "'\\''") + "'");
        }
        return sb.toString();
    }
}
