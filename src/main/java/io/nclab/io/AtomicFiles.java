package io.nclab.io;

import io.nclab.UserError;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/** Writes files whole or not at all: to a temporary file beside the target, then a rename. */
public final class AtomicFiles {
    private AtomicFiles() {}

    /** Something that writes a file's content to a stream. */
    @FunctionalInterface
    public interface Writer {
        void write(OutputStream out) throws IOException;
    }

    /**
     * Writes the file whole: to a temporary file beside it, then a rename over it. A symbolic link is
     * followed (the file it points to is replaced, the link stays). What cannot be replaced is written
     * straight through: this process's own /dev/stdout or /dev/stderr (to the stream itself, in order with
     * what it prints), a pipe, a device, or an open file reached through /dev/fd or /proc (appended to).
     * A folder is refused.
     */
    public static void write(Path target, Writer writer) {
        if (Files.isDirectory(target)) {
            throw new UserError("cannot write " + target + ": it is a directory");
        }
        List<Path> chain = linkChain(target);
        int fd = standardStream(chain);
        if (fd > 0) {
            // this process's own output (/dev/stdout, /proc/self/fd/1 ...): written where the process writes,
            // in order with what it prints, whatever the stream goes to (a terminal, a pipe, a file)
            java.io.PrintStream stream = fd == 1 ? System.out : System.err;
            try {
                writer.write(new java.io.FilterOutputStream(stream) {
                    @Override
                    public void write(byte[] b, int off, int len) {
                        stream.write(b, off, len);
                    }

                    @Override
                    public void close() {
                        stream.flush();
                    }
                });
                stream.flush();
            } catch (IOException e) {
                throw new UserError("cannot write " + target + ": " + IoErrors.reason(e), e);
            }
            if (stream.checkError()) { // a PrintStream keeps its I/O errors to itself
                throw new UserError("cannot write " + target + ": the stream it goes to failed (a full disk or a"
                        + " closed pipe)");
            }
            return;
        }
        if (throughOnly(target, chain)) {
            try (OutputStream out = Files.newOutputStream(target, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
                writer.write(out);
            } catch (IOException e) {
                throw new UserError("cannot write " + target + ": " + IoErrors.reason(e), e);
            }
            return;
        }
        Path real = chain.get(chain.size() - 1);
        Path dir = real.getParent();
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, "." + real.getFileName() + ".", ".tmp");
            Unfinished.add(tmp);
            try (OutputStream out = Files.newOutputStream(tmp)) {
                writer.write(out);
            }
            readableByAll(tmp);
            try {
                Files.move(tmp, real, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, real, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
        } catch (IOException e) {
            throw new UserError("cannot write " + target + ": " + IoErrors.reason(e), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort
                }
                Unfinished.remove(tmp);
            }
        }
    }

    /**
     * The temporaries being written now, deleted by a shutdown hook when the process is stopped (Ctrl-C, SIGTERM) in
     * the middle of a write: a stopped command leaves its output as it was, without ".NAME.123.tmp" litter beside it.
     * A process killed outright (SIGKILL) runs no hook; {@link #deleteTemporaries} cleans up after that where a
     * command knows its files.
     */
    private static final class Unfinished {
        private static final java.util.Set<Path> PATHS = java.util.concurrent.ConcurrentHashMap.newKeySet();

        static {
            try {
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    for (Path p : PATHS) {
                        try {
                            Files.deleteIfExists(p);
                        } catch (IOException | RuntimeException ignored) {
                            // best effort: the process is ending
                        }
                    }
                }, "nclab-unfinished-writes"));
            } catch (IllegalStateException shuttingDown) {
                // a first write while the process already ends: nothing left to stop it midway
            }
        }

        static void add(Path tmp) {
            PATHS.add(tmp);
        }

        static void remove(Path tmp) {
            PATHS.remove(tmp);
        }
    }

    /**
     * The paths a chain of symbolic links passes through, absolute, from {@code target} to the file it ends
     * at (which may not exist yet). Each link is resolved against its folder's real path, as the file system
     * does, so a relative ".." in a link reached through a linked folder goes where a read would go.
     */
    private static List<Path> linkChain(Path target) {
        List<Path> chain = new ArrayList<>();
        // not normalised: "link/../x" is where the file system goes (up from the linked folder's target)
        Path p = target.toAbsolutePath();
        chain.add(p);
        for (int hops = 0; hops < 40 && Files.isSymbolicLink(p); hops++) {
            try {
                Path parent = p.getParent();
                Path base = Files.isDirectory(parent) ? parent.toRealPath() : parent;
                p = base.resolve(Files.readSymbolicLink(p)).normalize();
            } catch (IOException e) {
                throw new UserError("cannot write " + target + ": " + IoErrors.reason(e), e);
            }
            chain.add(p);
        }
        if (Files.isSymbolicLink(p)) { // a loop (a -> b -> a), or links deeper than the system itself follows
            throw new UserError("cannot write " + target + ": too many levels of symbolic links");
        }
        return chain;
    }

    /** 1 or 2 when the chain passes through this process's standard output or error, else 0. */
    private static int standardStream(List<Path> chain) {
        String own = "/proc/" + ProcessHandle.current().pid() + "/fd/";
        for (Path p : chain) {
            String s = p.toString();
            for (String prefix : new String[] {"/dev/fd/", "/proc/self/fd/", own}) {
                if (s.equals(prefix + "1") || s.equals(prefix + "2")) {
                    return s.charAt(s.length() - 1) - '0';
                }
            }
            if (s.equals("/dev/stdout") || s.equals("/dev/stderr")) {
                return s.endsWith("out") ? 1 : 2;
            }
        }
        return 0;
    }

    /**
     * Whether a target must be written straight through (appended to): a pipe, a socket or a device, or an
     * open file reached through /dev/fd or /proc/.../fd, none of which a rename may replace.
     */
    private static boolean throughOnly(Path target, List<Path> chain) {
        if (Files.exists(target) && !Files.isRegularFile(target)) {
            return true; // Files follows every link here
        }
        return chain.stream().anyMatch(p -> p.startsWith("/dev/fd") || p.startsWith("/proc")
                && p.toString().matches("/proc/[^/]+/fd/.*"));
    }

    /**
     * Fails (one line naming the option) when an output file could not be written: it is a folder, it is
     * not writable, or (for a file still to be made) the folder it goes in cannot be made or written.
     * Checked before any work, without creating anything.
     */
    public static void requireWritableFile(Path file, String option) {
        if (Files.isDirectory(file)) {
            throw new UserError(option + " " + file + " is a directory, not a file");
        }
        List<Path> chain = linkChain(file);
        Path real = chain.get(chain.size() - 1);
        if (throughOnly(file, chain)) {
            if (!Files.isWritable(file)) {
                throw new UserError(option + " " + file + " is not writable");
            }
            return; // a pipe or a device: written straight through
        }
        if (Files.exists(real) && !Files.isWritable(real)) {
            throw new UserError(option + " " + file + " is not writable");
        }
        requireRoomFor(real, file, option);
    }

    /**
     * As {@link #requireWritableFile} for an output of one kind ({@code extension}, e.g. ".csv" or ".npz"), which
     * replaces an existing file only if its name says it is of that kind (any case): a slip of the shell's
     * completion must not turn a script, a database or an array into a table. What {@link #write} writes through
     * rather than replaces (this process's standard output, a pipe, a device) is not refused.
     */
    public static void requireWritableAs(Path file, String extension, String option) {
        List<Path> chain = linkChain(file);
        if (Files.isRegularFile(file) && standardStream(chain) == 0 && !throughOnly(file, chain)
                && !file.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(extension)) {
            throw new UserError(option + " " + file + " exists and is not a " + extension + " file; name a new file or"
                    + " a " + extension + " to replace");
        }
        requireWritableFile(file, option);
    }

    /**
     * Fails when {@code path} could not be made: the nearest existing folder above it is a file or is not
     * writable ({@code shown} is the path as the user gave it).
     */
    private static void requireRoomFor(Path path, Path shown, String option) {
        Path above = path.toAbsolutePath().getParent();
        while (above != null && !Files.exists(above)) {
            above = above.getParent();
        }
        if (above == null) {
            return;
        }
        if (!Files.isDirectory(above)) {
            throw new UserError(option + " " + shown + " cannot be made: " + above + " is not a directory");
        }
        if (!Files.isWritable(above)) {
            throw new UserError(option + " " + shown + " cannot be made: " + above + " is not writable");
        }
        // the permission bits do not tell all (root may "write" to /proc, which takes no new file): a file made
        // and removed at once says before the work what the first write would say after it
        try {
            Files.delete(Files.createTempFile(above, ".nclab-probe-", ".tmp"));
        } catch (IOException e) {
            throw new UserError(option + " " + shown + " cannot be made: " + above + " takes no new file ("
                    + IoErrors.reason(e) + ")");
        }
    }

    /**
     * Fails (one line naming the option) when an output folder cannot be made or written: its path is taken
     * by something that is not a folder, a part of the path above it is a file, or the folder (or, when
     * absent, the nearest folder above it) is not writable. Checked before any work and without creating
     * anything, so that a long computation does not end in that error.
     */
    public static void requireDirectoryOrAbsent(Path dir, String option) {
        if (Files.isSymbolicLink(dir) && !Files.exists(dir)) { // no folder can be made where the link is
            String to;
            try {
                to = String.valueOf(Files.readSymbolicLink(dir));
            } catch (IOException e) {
                to = "a path";
            }
            throw new UserError(option + " " + dir + " is a symbolic link to " + to + ", which does not exist; make"
                    + " that folder first, or give another");
        }
        if (Files.exists(dir)) {
            if (!Files.isDirectory(dir)) {
                throw new UserError(option + " " + dir + " exists and is not a directory");
            }
            if (!Files.isWritable(dir)) {
                throw new UserError(option + " " + dir + " is not writable");
            }
            return;
        }
        requireRoomFor(dir, dir, option);
    }

    /**
     * Runs {@code work}, which writes into the folder {@code dir}; if it fails, what it added under {@code dir} is
     * removed (every file and folder that was not there before, and {@code dir} itself when it was absent), and
     * nothing that was there before, so that a failed command leaves no partial output. A file it replaced stays
     * as replaced. Where {@code dir} is a symbolic link to a folder, the link stays and the folder it names is
     * cleaned (an audit saw the link deleted, or the folder left with the partial output). The removal is best effort: what cannot be removed is added to the failure as suppressed.
     */
    public static <T> T allOrNothing(Path dir, java.util.function.Supplier<T> work) {
        java.util.Set<Path> before = new java.util.HashSet<>();
        // a link to the folder is the user's: it stays, and what is added is looked for in the folder it names
        Path walked = dir;
        if (Files.isSymbolicLink(dir)) {
            before.add(dir);
            try {
                walked = dir.toRealPath();
            } catch (IOException e) {
                walked = dir; // a dangling link: nothing can be added under it, and the link itself is kept
            }
        }
        if (Files.exists(walked)) {
            try (java.util.stream.Stream<Path> all = Files.walk(walked)) {
                all.forEach(before::add);
            } catch (IOException e) {
                throw new UserError("cannot list " + dir + ": " + IoErrors.reason(e), e);
            } catch (java.io.UncheckedIOException e) {
                throw new UserError("cannot list " + dir + ": " + IoErrors.reason(e.getCause()), e);
            }
        }
        try {
            return work.get();
        } catch (RuntimeException | Error e) {
            if (Files.exists(walked, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                List<Path> added;
                try (java.util.stream.Stream<Path> all = Files.walk(walked)) {
                    added = all.filter(p -> !before.contains(p)).sorted(java.util.Comparator.reverseOrder()).toList();
                } catch (IOException | java.io.UncheckedIOException cleanup) {
                    e.addSuppressed(cleanup);
                    added = List.of();
                }
                for (Path p : added) { // deepest first: a folder it made is empty when its turn comes
                    try {
                        Files.deleteIfExists(p);
                    } catch (IOException cleanup) {
                        e.addSuppressed(cleanup);
                    }
                }
            }
            throw e;
        }
    }

    /** Temporary files are created owner-only; the finished file gets the usual rw-r--r--. */
    private static void readableByAll(Path p) {
        try {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-r--r--"));
        } catch (UnsupportedOperationException | IOException ignored) {
            // not a POSIX file system: keep what it gave
        }
    }

    public static void writeString(Path target, String text) {
        write(target, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** A temporary file {@link #write} makes beside {@code NAME}: ".NAME.&lt;digits&gt;.tmp". */
    private static final java.util.regex.Pattern TEMPORARY = java.util.regex.Pattern.compile("\\.(.+)\\.\\d+\\.tmp");

    /**
     * The name of the file whose write a file named {@code name} is the temporary of (left behind by a process killed
     * while writing it), or null when it is no such temporary.
     */
    public static String temporaryOf(String name) {
        java.util.regex.Matcher m = TEMPORARY.matcher(name);
        return m.matches() ? m.group(1) : null;
    }

    /**
     * Deletes the temporaries that writes of {@code names} in {@code dir} left behind (a process killed mid-write);
     * only for a folder this process holds, so that no write is going on. Best effort.
     */
    public static void deleteTemporaries(Path dir, java.util.Set<String> names) {
        try (java.util.stream.Stream<Path> s = Files.list(dir)) {
            for (Path f : (Iterable<Path>) s::iterator) {
                String of = temporaryOf(f.getFileName().toString());
                if (of != null && names.contains(of) && Files.isRegularFile(f, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    Files.deleteIfExists(f);
                }
            }
        } catch (IOException | RuntimeException e) {
            // best effort: a leftover temporary is litter, not harm
        }
    }
}
