package io.nclab.data;

import io.nclab.UserError;
import io.nclab.io.IoErrors;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/** Reading whole data files, gzip-compressed or not, with user errors that name the file. */
final class DataFiles {
    private DataFiles() {}

    /** The file's bytes, gunzipped when it starts with the gzip magic number. */
    static byte[] readAll(Path file) {
        try {
            byte[] raw = Files.readAllBytes(file);
            if (raw.length >= 2 && (raw[0] & 0xff) == 0x1f && (raw[1] & 0xff) == 0x8b) {
                try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(raw), 1 << 16)) {
                    ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length * 4);
                    in.transferTo(out);
                    return out.toByteArray();
                }
            }
            return raw;
        } catch (java.io.EOFException | java.util.zip.ZipException e) {
            throw new UserError("corrupt gzip file " + file + ": " + e.getMessage());
        } catch (IOException e) {
            throw new UserError("cannot read " + file + ": " + IoErrors.reason(e));
        }
    }

    /** The first of {@code names} that exists in {@code dir}, or null. */
    static Path first(Path dir, String... names) {
        for (String n : names) {
            Path p = dir.resolve(n);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        return null;
    }
}
