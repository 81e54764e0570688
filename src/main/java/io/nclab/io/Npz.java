package io.nclab.io;

import io.nclab.UserError;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * A NumPy {@code .npz} archive (a zip of {@code .npy} files, what {@code np.savez_compressed} writes)
 * of small arrays held in Java memory, plus an optional JSON entry: the file format of nclab's saved
 * accumulators, so that {@code np.load("stats.npz")["sums"]} works from Python too.
 */
public final class Npz {
    private final Map<String, byte[]> entries = new LinkedHashMap<>();
    private final String source;

    /** An empty archive to fill and {@link #save}. */
    public Npz() {
        this("(new archive)");
    }

    private Npz(String source) {
        this.source = source;
    }

    public Npz put(String name, double[] data, long... shape) {
        entries.put(name + ".npy", Npy.encode(data, shape));
        return this;
    }

    public Npz put(String name, long[] data, long... shape) {
        entries.put(name + ".npy", Npy.encode(data, shape));
        return this;
    }

    /** A JSON (or other text) entry stored under its own name. */
    public Npz putText(String name, String text) {
        entries.put(name, text.getBytes(StandardCharsets.UTF_8));
        return this;
    }

    public boolean has(String name) {
        return entries.containsKey(name + ".npy") || entries.containsKey(name);
    }

    public double[] doubles(String name) {
        return array(name).toDoubles();
    }

    public long[] longs(String name) {
        return array(name).toLongs();
    }

    public long[] shape(String name) {
        return array(name).shape();
    }

    public String text(String name) {
        byte[] b = entries.get(name);
        if (b == null) {
            throw new UserError(source + " has no entry '" + name + "'");
        }
        return new String(b, StandardCharsets.UTF_8);
    }

    private Npy.Host array(String name) {
        byte[] b = entries.get(name + ".npy");
        if (b == null) {
            throw new UserError(source + " has no array '" + name + "'");
        }
        return Npy.readHost(b, source + ":" + name + ".npy");
    }

    /** Writes the archive atomically (deflated entries). */
    public void save(Path file) {
        AtomicFiles.write(file, out -> {
            ZipOutputStream zip = new ZipOutputStream(out);
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey()));
                zip.write(e.getValue());
                zip.closeEntry();
            }
            zip.finish();
        });
    }

    public static Npz load(Path file) {
        Npz npz = new Npz(file.toString());
        try (InputStream in = Files.newInputStream(file); ZipInputStream zip = new ZipInputStream(in)) {
            ZipEntry e;
            while ((e = zip.getNextEntry()) != null) {
                npz.entries.put(e.getName(), zip.readAllBytes());
            }
        } catch (NoSuchFileException e) {
            throw new UserError("no such file: " + file, e);
        } catch (IOException e) {
            throw new UserError("cannot read " + file + " as an .npz archive: " + IoErrors.reason(e), e);
        }
        if (npz.entries.isEmpty()) {
            throw new UserError(file + " is not an .npz archive (no entries)");
        }
        return npz;
    }
}
