package io.nclab.data;

import io.nclab.UserError;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * MNIST-format IDX files (LeCun et al.): a big-endian header {@code 0x00 0x00 type ndim} followed by
 * ndim 32-bit sizes and the unsigned-byte payload (type 0x08). Images are idx3 (N×H×W), labels idx1 (N).
 * A directory holds {@code train-images-idx3-ubyte}, {@code train-labels-idx1-ubyte},
 * {@code t10k-images-idx3-ubyte}, {@code t10k-labels-idx1-ubyte}, each optionally {@code .gz}.
 */
public final class IdxFiles {
    private IdxFiles() {}

    /** An IDX array: its sizes and its unsigned-byte payload. */
    public record Idx(int[] dims, byte[] data, int offset) {}

    public static Idx read(Path file) {
        byte[] raw = DataFiles.readAll(file);
        if (raw.length < 4 || raw[0] != 0 || raw[1] != 0) {
            throw new UserError("corrupt IDX header in " + file + ": it does not start with 0x00 0x00");
        }
        int type = raw[2] & 0xff;
        int nd = raw[3] & 0xff;
        if (type != 0x08) {
            throw new UserError(String.format("corrupt IDX header in %s: element type 0x%02x, only unsigned"
                    + " bytes (0x08) are supported", file, type));
        }
        if (nd < 1 || nd > 4 || raw.length < 4 + 4 * nd) {
            throw new UserError("corrupt IDX header in " + file + ": " + nd + " dimensions");
        }
        int[] dims = new int[nd];
        long total = 1;
        for (int i = 0; i < nd; i++) {
            int o = 4 + 4 * i;
            long d = ((raw[o] & 0xffL) << 24) | ((raw[o + 1] & 0xff) << 16) | ((raw[o + 2] & 0xff) << 8) | (raw[o + 3] & 0xff);
            if (d <= 0 || d > Integer.MAX_VALUE) {
                throw new UserError("corrupt IDX header in " + file + ": dimension " + i + " is " + d);
            }
            dims[i] = (int) d;
            total *= d;
        }
        long payload = raw.length - 4L - 4L * nd;
        if (payload != total) {
            throw new UserError("corrupt IDX file " + file + ": the header promises " + total
                    + " bytes of data, the file has " + payload);
        }
        return new Idx(dims, raw, 4 + 4 * nd);
    }

    /** Training and test sets of an IDX directory (MNIST, Fashion-MNIST, KMNIST, ...), its classes from the labels. */
    public static DataSource load(Path dir, String installHint) {
        return load(dir, installHint, 0);
    }

    /**
     * Training and test sets of an IDX directory. With {@code classes} > 0 (Fashion-MNIST and MNIST have 10)
     * every label must lie in 0..classes-1; with 0 the training labels number the classes 0..K-1, each with an
     * item (a label beyond a gap, such as one 200 among 0..9, is corruption, not 191 empty classes), and the
     * test labels must lie in 0..K-1.
     */
    public static DataSource load(Path dir, String installHint, int classes) {
        if (!Files.isDirectory(dir)) {
            throw new UserError("no IDX data directory " + dir + installHint);
        }
        ImageData train = images(dir, "train", installHint);
        int k = classes > 0 ? classes : contiguousClasses(train.labels());
        if (k == 0) {
            // 1-based labels (EMNIST letters' 1..26, say): nclab's classes are 0..K-1
            throw new UserError(find(dir, "train-labels-idx1-ubyte", installHint) + ": no training item has label 0"
                    + " (the smallest is " + java.util.Arrays.stream(train.labels()).min().orElse(0)
                    + "); labels must be the classes 0..K-1: subtract the smallest from every label");
        }
        checkLabels(train.labels(), k, find(dir, "train-labels-idx1-ubyte", installHint), classes > 0 ? ""
                : " (no training item has label " + k + ")");
        ImageData test = images(dir, "t10k", installHint);
        checkLabels(test.labels(), k, find(dir, "t10k-labels-idx1-ubyte", installHint), classes > 0 ? ""
                : ", the classes of the training labels");
        return new DataSource(train, test);
    }

    /**
     * Checks, without reading them, that {@code dir} holds the four IDX files (training and test images and
     * labels, gzipped or not); a missing one is named.
     */
    public static void requireFiles(Path dir, String installHint) {
        if (!Files.isDirectory(dir)) {
            throw new UserError("no IDX data directory " + dir + installHint);
        }
        for (String split : new String[] {"train", "t10k"}) {
            find(dir, split + "-images-idx3-ubyte", installHint);
            find(dir, split + "-labels-idx1-ubyte", installHint);
        }
    }

    /** K such that every label 0..K-1 occurs and K does not. */
    private static int contiguousClasses(int[] labels) {
        boolean[] seen = new boolean[257];
        for (int y : labels) {
            seen[y] = true;
        }
        int k = 0;
        while (seen[k]) {
            k++;
        }
        return k;
    }

    private static void checkLabels(int[] labels, int classes, Path file, String why) {
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] >= classes) {
                throw new UserError(file + ": label " + labels[i] + " of item " + i + " is outside 0.."
                        + (classes - 1) + why);
            }
        }
    }

    private static Path find(Path dir, String stem, String installHint) {
        Path p = DataFiles.first(dir, stem, stem + ".gz", stem.replace("-idx", ".idx"),
                stem.replace("-idx", ".idx") + ".gz");
        if (p == null) {
            throw new UserError("no " + stem + "[.gz] in " + dir + installHint);
        }
        return p;
    }

    private static ImageData images(Path dir, String split, String installHint) {
        Path imageFile = find(dir, split + "-images-idx3-ubyte", installHint);
        Path labelFile = find(dir, split + "-labels-idx1-ubyte", installHint);
        Idx im = read(imageFile);
        Idx lb = read(labelFile);
        if (im.dims().length != 3) {
            throw new UserError("corrupt IDX file " + imageFile + ": images need 3 dimensions, it has "
                    + im.dims().length);
        }
        if (lb.dims().length != 1) {
            throw new UserError("corrupt IDX file " + labelFile + ": labels need 1 dimension, it has "
                    + lb.dims().length);
        }
        if (lb.dims()[0] != im.dims()[0]) {
            throw new UserError("IDX files disagree: " + imageFile + " holds " + im.dims()[0] + " images, "
                    + labelFile + " holds " + lb.dims()[0] + " labels");
        }
        int n = im.dims()[0];
        int[] labels = new int[n];
        int classes = 0;
        for (int i = 0; i < n; i++) {
            labels[i] = lb.data()[lb.offset() + i] & 0xff;
            classes = Math.max(classes, labels[i] + 1);
        }
        byte[] pixels = new byte[n * im.dims()[1] * im.dims()[2]];
        System.arraycopy(im.data(), im.offset(), pixels, 0, pixels.length);
        return new ImageData(pixels, labels, 1, im.dims()[1], im.dims()[2], classes);
    }

}
