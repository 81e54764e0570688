package io.nclab.experiment;

import java.util.Optional;

/**
 * Ends a sweep's child process when the sweep that started it is gone: the sweep passes its process id as
 * the system property {@code nclab.parent-pid}, and a daemon thread halts this JVM (exit 143) within half
 * a second of that process ending, so a sweep killed with {@code kill -9} leaves no orphan runs behind that
 * would write to a run directory while the restarted sweep resumes it.
 */
public final class ParentWatch {
    private ParentWatch() {}

    /** The system property that names the parent's process id. */
    public static final String PROPERTY = "nclab.parent-pid";

    /** Starts watching when the property is set; does nothing otherwise. */
    public static void startIfAsked() {
        String pid = System.getProperty(PROPERTY);
        if (pid == null || pid.isBlank()) {
            return;
        }
        Optional<ProcessHandle> parent = ProcessHandle.of(Long.parseLong(pid.trim()));
        if (parent.isEmpty() || !parent.get().isAlive()) {
            Runtime.getRuntime().halt(143);
        }
        ProcessHandle p = parent.get();
        Thread t = new Thread(() -> {
            while (p.isAlive()) {
                try {
                    Thread.sleep(500);
                } catch (InterruptedException e) {
                    return;
                }
            }
            Runtime.getRuntime().halt(143);
        }, "nclab-parent-watch");
        t.setDaemon(true);
        t.start();
    }
}
