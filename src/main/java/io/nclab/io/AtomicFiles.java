package io.nclab.io;

import io.nclab.UserError;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

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
     * followed (the file it points to is replaced, the link stays); a target that is not a regular file
     * (a pipe, a device such as /dev/stdout) cannot be replaced and is written straight through; a folder
     * is refused.
     */
    public static void write(Path target, Writer writer) {
        Path real = followLinks(target);
        if (Files.isDirectory(real)) {
            throw new UserError("cannot write " + target + ": it is a directory");
        }
        if (Files.exists(real) && !Files.isRegularFile(real)) {
            try (OutputStream out = Files.newOutputStream(real)) {
                writer.write(out);
            } catch (IOException e) {
                throw new UserError("cannot write " + target + ": " + IoErrors.reason(e), e);
            }
            return;
        }
        Path dir = real.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, "." + real.getFileName() + ".", ".tmp");
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
            }
        }
    }

    /** The file a chain of symbolic links ends at (which may not exist yet); the path itself if it is no link. */
    private static Path followLinks(Path target) {
        Path p = target.toAbsolutePath();
        for (int hops = 0; hops < 40 && Files.isSymbolicLink(p); hops++) {
            try {
                p = p.getParent().resolve(Files.readSymbolicLink(p)).normalize();
            } catch (IOException e) {
                throw new UserError("cannot write " + target + ": " + IoErrors.reason(e), e);
            }
        }
        return p;
    }

    /**
     * Fails (one line naming the option) when an output file could not be written: it is a folder, it is
     * not writable, or (for a file still to be made) the folder it goes in cannot be made or written.
     * Checked before any work, without creating anything.
     */
    public static void requireWritableFile(Path file, String option) {
        Path real = followLinks(file);
        if (Files.isDirectory(real)) {
            throw new UserError(option + " " + file + " is a directory, not a file");
        }
        if (Files.exists(real) && !Files.isRegularFile(real)) {
            if (!Files.isWritable(real)) {
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
     * Fails when {@code path} could not be made: the nearest existing folder above it is a file or is not
     * writable ({@code shown} is the path as the user gave it).
     */
    private static void requireRoomFor(Path path, Path shown, String option) {
        Path above = path.toAbsolutePath().normalize().getParent();
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
    }

    /**
     * Fails (one line naming the option) when an output folder cannot be made or written: its path is taken
     * by something that is not a folder, a part of the path above it is a file, or the folder (or, when
     * absent, the nearest folder above it) is not writable. Checked before any work and without creating
     * anything, so that a long computation does not end in that error.
     */
    public static void requireDirectoryOrAbsent(Path dir, String option) {
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
}
