package io.nclab.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nclab.UserError;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Whole-or-nothing writes, and what they do with links, pipes and folders in the way. */
class AtomicFilesTest {
    @TempDir
    Path dir;

    @Test
    void aRegularFileIsReplacedWholeAndNoTemporaryFileStays() throws Exception {
        Path f = dir.resolve("a.txt");
        AtomicFiles.writeString(f, "one");
        AtomicFiles.writeString(f, "two");
        assertEquals("two", Files.readString(f));
        try (var s = Files.list(dir)) {
            assertEquals(1, s.count());
        }
    }

    @Test
    void aSymbolicLinkIsFollowedAndKept() throws Exception {
        Path real = dir.resolve("real.txt");
        Files.writeString(real, "old");
        Path link = dir.resolve("link.txt");
        Files.createSymbolicLink(link, real);
        AtomicFiles.writeString(link, "new");
        assertTrue(Files.isSymbolicLink(link));
        assertEquals("new", Files.readString(real));
        // a dangling link: the file it names is made
        Path later = dir.resolve("later.txt");
        Path dangling = dir.resolve("dangling.txt");
        Files.createSymbolicLink(dangling, later.getFileName());
        AtomicFiles.writeString(dangling, "made");
        assertTrue(Files.isSymbolicLink(dangling));
        assertEquals("made", Files.readString(later));
        // a loop of links is refused in one line and left as it is (it was replaced by a regular file)
        Path a = dir.resolve("a.csv");
        Path b = dir.resolve("b.csv");
        Files.createSymbolicLink(a, b.getFileName());
        Files.createSymbolicLink(b, a.getFileName());
        io.nclab.UserError e = org.junit.jupiter.api.Assertions.assertThrows(io.nclab.UserError.class,
                () -> AtomicFiles.writeString(a, "x"));
        assertTrue(e.getMessage().endsWith("too many levels of symbolic links"), e.getMessage());
        assertTrue(Files.isSymbolicLink(a) && Files.isSymbolicLink(b));
    }

    /**
     * A failed command whose output folder is a symbolic link keeps the link and takes back what it added in the
     * folder the link names; a link to a folder that does not exist is refused before any work (it was deleted).
     */
    @Test
    void aLinkedOutputFolderIsKeptAndCleaned() throws Exception {
        Path real = Files.createDirectories(dir.resolve("real"));
        Files.writeString(real.resolve("mine.txt"), "the user's");
        Path link = Files.createSymbolicLink(dir.resolve("out"), real);
        org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, () -> AtomicFiles.allOrNothing(link,
                () -> {
                    AtomicFiles.writeString(link.resolve("partial.csv"), "half");
                    throw new IllegalStateException("disk full");
                }));
        assertTrue(Files.isSymbolicLink(link));
        assertTrue(Files.exists(real.resolve("mine.txt")) && !Files.exists(real.resolve("partial.csv")));
        Path dangling = Files.createSymbolicLink(dir.resolve("later"), dir.resolve("not-yet"));
        io.nclab.UserError e = org.junit.jupiter.api.Assertions.assertThrows(io.nclab.UserError.class,
                () -> AtomicFiles.requireDirectoryOrAbsent(dangling, "--out"));
        assertTrue(e.getMessage().contains("is a symbolic link to") && e.getMessage().contains("does not exist"),
                e.getMessage());
        assertTrue(Files.isSymbolicLink(dangling));
    }

    /** A relative link reached through a linked folder lands where reading it would: ".." from the real folder. */
    @Test
    void aRelativeLinkThroughALinkedFolderWritesTheFileAReadWouldSee() throws Exception {
        Path real = Files.createDirectories(dir.resolve("x/y"));
        Files.createSymbolicLink(dir.resolve("a"), real);            // a -> x/y
        Files.createSymbolicLink(real.resolve("link"), Path.of("../t.txt")); // x/y/link -> ../t.txt = x/t.txt
        AtomicFiles.writeString(dir.resolve("a/link"), "written");
        assertEquals("written", Files.readString(dir.resolve("a/link")));
        assertEquals("written", Files.readString(dir.resolve("x/t.txt")));
        assertFalse(Files.exists(dir.resolve("t.txt")));
    }

    /** "lnk/../x" goes where the file system takes it: up from the folder the link points to. */
    @Test
    void dotDotAfterALinkedFolderFollowsTheLink() throws Exception {
        Path sub = Files.createDirectories(dir.resolve("real/sub"));
        Files.createSymbolicLink(dir.resolve("lnk"), sub);
        AtomicFiles.writeString(dir.resolve("lnk/../t.txt"), "up");
        assertEquals("up", Files.readString(dir.resolve("real/t.txt")));
        assertFalse(Files.exists(dir.resolve("t.txt")));
    }

    /**
     * Prints a line, writes {@code args[0]} through AtomicFiles, prints another: for the /dev/stdout test; with
     * a second argument {@code csv}, first checks {@code args[0]} as a CSV output.
     */
    public static final class WriteBetween {
        public static void main(String[] args) {
            if (args.length > 1 && args[1].equals("csv")) {
                AtomicFiles.requireWritableAs(Path.of(args[0]), ".csv", "--out");
            }
            System.out.println("before");
            System.out.flush();
            AtomicFiles.writeString(Path.of(args[0]), "middle\n");
            System.out.println("after");
            System.out.flush();
        }
    }

    /** Starts writing {@code args[0]} through AtomicFiles, says so on standard output, and never finishes. */
    public static final class WriteForever {
        public static void main(String[] args) {
            AtomicFiles.write(Path.of(args[0]), out -> {
                out.write("partial\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
                out.flush();
                System.out.println("writing");
                System.out.flush();
                while (true) {
                    try {
                        Thread.sleep(1000);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
        }
    }

    /**
     * A process stopped (SIGTERM, as Ctrl-C's SIGINT) in the middle of a write leaves no temporary beside the file,
     * and the file as it was.
     */
    @Test
    void aStoppedWriteLeavesNoTemporary() throws Exception {
        Path target = Files.writeString(dir.resolve("kept.json"), "before\n");
        Process p = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-cp",
                System.getProperty("java.class.path"), WriteForever.class.getName(), target.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try (java.io.BufferedReader r = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(),
                java.nio.charset.StandardCharsets.UTF_8))) {
            assertEquals("writing", r.readLine());
            try (java.util.stream.Stream<Path> s = Files.list(dir)) {
                assertEquals(2, s.count(), "the temporary exists while the write goes on");
            }
            p.destroy(); // SIGTERM: the shutdown hooks run
            assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS));
        } finally {
            p.destroyForcibly();
        }
        try (java.util.stream.Stream<Path> s = Files.list(dir)) {
            assertEquals(java.util.List.of(target), s.toList());
        }
        assertEquals("before\n", Files.readString(target));
    }

    /**
     * /dev/stdout of a process whose output goes to a file is that file, open: it is written through (appended),
     * not replaced by a rename, which would lose the lines printed before and after it.
     */
    @Test
    void devStdoutGoesWhereTheProcessWrites() throws Exception {
        Assumptions.assumeTrue(Files.exists(Path.of("/dev/stdout")), "no /dev/stdout here");
        for (boolean append : new boolean[] {false, true}) {
            Path out = dir.resolve("out-" + append + ".txt");
            Files.writeString(out, append ? "earlier\n" : "");
            ProcessBuilder pb = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-cp",
                    System.getProperty("java.class.path"), WriteBetween.class.getName(), "/dev/stdout");
            pb.redirectOutput(append ? ProcessBuilder.Redirect.appendTo(out.toFile()) : ProcessBuilder.Redirect.to(
                    out.toFile()));
            pb.redirectError(ProcessBuilder.Redirect.INHERIT);
            assertEquals(0, pb.start().waitFor());
            assertEquals((append ? "earlier\n" : "") + "before\nmiddle\nafter\n", Files.readString(out));
        }
        // a standard output that fails (a full disk) is an error, not silence
        Assumptions.assumeTrue(Files.exists(Path.of("/dev/full")), "no /dev/full here");
        ProcessBuilder full = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-cp",
                System.getProperty("java.class.path"), WriteBetween.class.getName(), "/dev/stdout");
        full.redirectOutput(new java.io.File("/dev/full"));
        Path err = dir.resolve("err.txt");
        full.redirectError(err.toFile());
        assertTrue(full.start().waitFor() != 0);
        assertTrue(Files.readString(err).contains("the stream it goes to failed"), Files.readString(err));
    }

    /**
     * A CSV output (results --out, metrics --margins-out) replaces an existing file only if it ends in .csv; what
     * is written through and not replaced (a device, this process's standard output even where that is a file
     * called "stdout") is not refused.
     */
    @Test
    void aCsvOutputReplacesOnlyACsv() throws Exception {
        Path db = Files.writeString(dir.resolve("results.db"), "data");
        io.nclab.UserError e = org.junit.jupiter.api.Assertions.assertThrows(io.nclab.UserError.class,
                () -> AtomicFiles.requireWritableAs(db, ".csv", "--out"));
        assertEquals("--out " + db + " exists and is not a .csv file; name a new file or a .csv to replace",
                e.getMessage());
        AtomicFiles.requireWritableAs(Files.writeString(dir.resolve("old.csv"), "x"), ".csv", "--out");
        AtomicFiles.requireWritableAs(dir.resolve("new.txt"), ".csv", "--out");
        assertTrue(org.junit.jupiter.api.Assertions.assertThrows(io.nclab.UserError.class,
                () -> AtomicFiles.requireWritableAs(dir, ".csv", "--out")).getMessage()
                .endsWith("is a directory, not a file"));
        if (Files.exists(Path.of("/dev/null"))) {
            AtomicFiles.requireWritableAs(Path.of("/dev/null"), ".csv", "--out");
        }
        Assumptions.assumeTrue(Files.exists(Path.of("/dev/stdout")), "no /dev/stdout here");
        Path out = dir.resolve("out.txt");
        ProcessBuilder pb = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-cp",
                System.getProperty("java.class.path"), WriteBetween.class.getName(), "/dev/stdout", "csv");
        pb.redirectOutput(out.toFile());
        pb.redirectError(ProcessBuilder.Redirect.INHERIT);
        assertEquals(0, pb.start().waitFor());
        assertEquals("before\nmiddle\nafter\n", Files.readString(out));
    }

    /** A named pipe cannot be replaced by a rename: it is written straight through and stays a pipe. */
    @Test
    void aPipeIsWrittenThrough() throws Exception {
        Path fifo = dir.resolve("pipe");
        int made;
        try {
            made = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start().waitFor();
        } catch (java.io.IOException e) {
            made = -1;
        }
        Assumptions.assumeTrue(made == 0, "mkfifo is not available");
        CompletableFuture<String> reader = CompletableFuture.supplyAsync(() -> {
            try (InputStream in = Files.newInputStream(fifo)) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (java.io.IOException e) {
                return "failed: " + e;
            }
        });
        AtomicFiles.writeString(fifo, "through the pipe");
        assertEquals("through the pipe", reader.get(30, TimeUnit.SECONDS));
        assertFalse(Files.isRegularFile(fifo));
        assertTrue(Files.exists(fifo));
    }

    @Test
    void aFolderInTheWayIsOneLine() throws Exception {
        Path sub = Files.createDirectory(dir.resolve("sub"));
        UserError e = assertThrows(UserError.class, () -> AtomicFiles.writeString(sub, "x"));
        assertTrue(e.getMessage().endsWith("it is a directory"), e.getMessage());
        UserError early = assertThrows(UserError.class, () -> AtomicFiles.requireWritableFile(sub, "--out"));
        assertEquals("--out " + sub + " is a directory, not a file", early.getMessage());
        Path file = Files.writeString(dir.resolve("file"), "x");
        UserError below = assertThrows(UserError.class,
                () -> AtomicFiles.requireWritableFile(file.resolve("m.csv"), "--out"));
        assertTrue(below.getMessage().contains("is not a directory"), below.getMessage());
        AtomicFiles.requireWritableFile(dir.resolve("new/deeper/m.csv"), "--out"); // made when written
    }

    @Test
    void ioErrorsSayWhy() {
        assertEquals("permission denied", IoErrors.reason(new AccessDeniedException("/x/.y.123.tmp")));
        assertEquals("no such file or directory", IoErrors.reason(new NoSuchFileException("/x")));
        assertEquals("is a directory", IoErrors.reason(new FileSystemException("/a", "/b", "Is a directory")));
        assertEquals("bad header", IoErrors.reason(new java.io.IOException("bad header")));
        // a text read of a binary file: not Java's "Input length = 1"
        assertEquals("not UTF-8 text (a binary file, or a damaged one)",
                IoErrors.reason(new java.nio.charset.MalformedInputException(1)));
        // ImageIO wraps the system's reason in its own words
        assertEquals("No space left on device", IoErrors.reason(new javax.imageio.IIOException(
                "I/O error writing PNG file!", new java.io.IOException("No space left on device"))));
    }

    /** A figure that cannot be written says why in the system's words (a full disk), not ImageIO's. */
    @Test
    void aFullDiskSaysSoForAFigure() {
        Assumptions.assumeTrue(Files.exists(Path.of("/dev/full")), "no /dev/full here");
        java.awt.image.BufferedImage image = new java.awt.image.BufferedImage(400, 300,
                java.awt.image.BufferedImage.TYPE_INT_RGB);
        io.nclab.UserError e = org.junit.jupiter.api.Assertions.assertThrows(io.nclab.UserError.class,
                () -> AtomicFiles.write(Path.of("/dev/full"), out -> javax.imageio.ImageIO.write(image, "png", out)));
        assertEquals("cannot write /dev/full: No space left on device", e.getMessage());
    }

    /** A failed write into a folder takes back what it added there, and nothing that was there before. */
    @Test
    void allOrNothingRemovesWhatAFailedWriteAdded() throws Exception {
        Path old = Files.createDirectories(dir.resolve("out/old"));
        Files.writeString(old.resolve("kept.txt"), "before");
        Files.writeString(dir.resolve("out/replaced.txt"), "before");
        Path absent = dir.resolve("absent");
        for (Path target : java.util.List.of(dir.resolve("out"), absent)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> AtomicFiles.allOrNothing(target,
                    () -> {
                        AtomicFiles.writeString(target.resolve("new/deep/file.txt"), "added");
                        AtomicFiles.writeString(target.resolve("old/added.txt"), "added");
                        AtomicFiles.writeString(target.resolve("replaced.txt"), "after");
                        throw new IllegalStateException("half way");
                    }));
            assertEquals("half way", e.getMessage());
        }
        assertFalse(Files.exists(absent), "a folder it made goes");
        try (java.util.stream.Stream<Path> all = Files.walk(dir.resolve("out"))) {
            assertEquals(java.util.List.of("out", "out/old", "out/old/kept.txt", "out/replaced.txt"), all
                    .map(p -> dir.relativize(p).toString()).sorted().toList());
        }
        assertEquals("after", Files.readString(dir.resolve("out/replaced.txt")), "a replaced file stays replaced");
        assertEquals("done", AtomicFiles.allOrNothing(absent, () -> "done"));
    }

    /** An output under a folder that takes no new file (/proc, even for root) is refused before any work. */
    @Test
    void anOutputWhereNoFileCanBeMadeIsRefusedUpFront() {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(Path.of("/proc/self")), "Linux's /proc");
        io.nclab.UserError e = org.junit.jupiter.api.Assertions.assertThrows(io.nclab.UserError.class,
                () -> AtomicFiles.requireDirectoryOrAbsent(Path.of("/proc/nclab-no-such/out"), "--out"));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().startsWith("--out /proc/nclab-no-such/out cannot be"
                + " made: /proc "), e.getMessage());
        org.junit.jupiter.api.Assertions.assertThrows(io.nclab.UserError.class,
                () -> AtomicFiles.requireWritableFile(Path.of("/proc/nclab-no-such.npz"), "--direction-out"));
    }
}
