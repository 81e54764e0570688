package io.nclab.data;

import io.nclab.UserError;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * CIFAR-10 and CIFAR-100 in their binary distributions (Krizhevsky 2009). Each record is the label
 * byte(s) followed by 3072 pixel bytes, 1024 per channel (R, G, B) of a 32×32 image in row-major order.
 * <ul>
 *   <li>CIFAR-10: {@code data_batch_1.bin} … {@code data_batch_5.bin} and {@code test_batch.bin};
 *       records of 1 + 3072 bytes, 10 classes.</li>
 *   <li>CIFAR-100: {@code train.bin} and {@code test.bin}; records of 2 + 3072 bytes (coarse label, fine
 *       label), 100 fine classes, which are the ones used.</li>
 * </ul>
 * The files may sit in the directory itself or in the archive's folder ({@code cifar-10-batches-bin},
 * {@code cifar-100-binary}).
 */
public final class CifarBinary {
    private CifarBinary() {}

    private static final int PIXELS = 3 * 32 * 32;

    public static DataSource loadCifar10(Path dir) {
        List<Path> files = cifar10Files(dir);
        return new DataSource(read(files.subList(0, 5), 1, 0, 10), read(files.subList(5, 6), 1, 0, 10),
                classNames(files.get(0).getParent().resolve("batches.meta.txt"), 10));
    }

    /**
     * The class names of the distribution's text file (batches.meta.txt, fine_label_names.txt: one per line, in label
     * order), or null where it is absent or does not hold exactly {@code classes} names: they only label the run.
     */
    static List<String> classNames(Path file, int classes) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            List<String> names = Files.readAllLines(file, java.nio.charset.StandardCharsets.UTF_8).stream()
                    .map(String::strip).filter(l -> !l.isEmpty()).toList();
            return names.size() == classes ? names : null;
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            return null;
        }
    }

    /**
     * CIFAR-10's six files in {@code dir} (data_batch_1.bin … data_batch_5.bin, then test_batch.bin), checked to
     * be there without reading them; a missing one is named (training on four batches of five unawares would
     * change every number of the run).
     */
    public static List<Path> cifar10Files(Path dir) {
        Path d = resolve(dir, "cifar-10-batches-bin", "data_batch_1.bin", "CIFAR-10");
        List<Path> files = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            files.add(require(d, "data_batch_" + i + ".bin", "CIFAR-10"));
        }
        files.add(require(d, "test_batch.bin", "CIFAR-10"));
        return files;
    }

    public static DataSource loadCifar100(Path dir) {
        List<Path> files = cifar100Files(dir);
        return new DataSource(read(files.subList(0, 1), 2, 1, 100), read(files.subList(1, 2), 2, 1, 100),
                classNames(files.get(0).getParent().resolve("fine_label_names.txt"), 100));
    }

    /** CIFAR-100's train.bin and test.bin in {@code dir}, checked to be there without reading them. */
    public static List<Path> cifar100Files(Path dir) {
        Path d = resolve(dir, "cifar-100-binary", "train.bin", "CIFAR-100");
        return List.of(require(d, "train.bin", "CIFAR-100"), require(d, "test.bin", "CIFAR-100"));
    }

    private static Path resolve(Path dir, String archiveFolder, String marker, String what) {
        if (Files.isRegularFile(dir.resolve(marker))) {
            return dir;
        }
        if (Files.isRegularFile(dir.resolve(archiveFolder).resolve(marker))) {
            return dir.resolve(archiveFolder);
        }
        throw new UserError("no " + what + " binary files in " + dir + " (expected " + marker
                + " there or in " + archiveFolder + "/)");
    }

    private static Path require(Path dir, String name, String what) {
        Path p = dir.resolve(name);
        if (!Files.isRegularFile(p)) {
            throw new UserError("no " + name + " in " + dir + " (" + what + " binary distribution)");
        }
        return p;
    }

    /** Reads records of {@code labelBytes} + 3072 bytes, taking the label at {@code labelIndex}. */
    static ImageData read(List<Path> files, int labelBytes, int labelIndex, int classes) {
        int record = labelBytes + PIXELS;
        List<byte[]> contents = new ArrayList<>();
        int n = 0;
        for (Path f : files) {
            byte[] raw = DataFiles.readAll(f);
            if (raw.length == 0 || raw.length % record != 0) {
                throw new UserError("truncated CIFAR file " + f + ": " + raw.length + " bytes is not a whole number of "
                        + record + "-byte records");
            }
            contents.add(raw);
            n += raw.length / record;
        }
        byte[] pixels = new byte[n * PIXELS];
        int[] labels = new int[n];
        int i = 0;
        for (int c = 0; c < contents.size(); c++) {
            byte[] raw = contents.get(c);
            for (int o = 0; o < raw.length; o += record, i++) {
                int y = raw[o + labelIndex] & 0xff;
                if (y >= classes) {
                    throw new UserError("corrupt CIFAR file " + files.get(c) + ": record " + (o / record)
                            + " has label " + y + " but there are " + classes + " classes");
                }
                labels[i] = y;
                System.arraycopy(raw, o + labelBytes, pixels, i * PIXELS, PIXELS);
            }
        }
        return new ImageData(pixels, labels, 3, 32, 32, classes);
    }
}
