package io.nclab.data;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import javax.imageio.ImageIO;

/**
 * Writes tiny datasets in the exact distribution formats (IDX, CIFAR binary, image folders) for tests.
 * Class k's images are noise around a class-specific pattern, so small networks can learn them.
 */
public final class TinyData {
    private TinyData() {}

    /** Pixel j of an image of class k: a bright stripe at a class-specific place, plus noise. */
    static int pixel(Random rnd, int k, int classes, int j, int plane, int width) {
        int row = (j % plane) / width;
        int band = row * classes / Math.max(1, plane / width);
        int base = band == k ? 200 : 30;
        return Math.max(0, Math.min(255, base + rnd.nextInt(41) - 20));
    }

    public static byte[] images(int n, int classes, int channels, int h, int w, int[] labels, long seed) {
        Random rnd = new Random(seed);
        int s = channels * h * w;
        byte[] px = new byte[n * s];
        for (int i = 0; i < n; i++) {
            labels[i] = i % classes;
            for (int j = 0; j < s; j++) {
                px[i * s + j] = (byte) pixel(rnd, labels[i], classes, j, h * w, w);
            }
        }
        return px;
    }

    /** train-* and t10k-* IDX files (gzipped when asked) of h×w images. */
    public static Path idx(Path dir, int nTrain, int nTest, int classes, int h, int w, boolean gzip) throws IOException {
        Files.createDirectories(dir);
        writeIdxSplit(dir, "train", nTrain, classes, h, w, gzip, 1);
        writeIdxSplit(dir, "t10k", nTest, classes, h, w, gzip, 2);
        return dir;
    }

    private static void writeIdxSplit(Path dir, String split, int n, int classes, int h, int w, boolean gzip, long seed)
            throws IOException {
        int[] labels = new int[n];
        byte[] px = images(n, classes, 1, h, w, labels, seed);
        ByteArrayOutputStream im = new ByteArrayOutputStream();
        im.write(new byte[] {0, 0, 8, 3});
        writeInt(im, n);
        writeInt(im, h);
        writeInt(im, w);
        im.write(px);
        ByteArrayOutputStream lb = new ByteArrayOutputStream();
        lb.write(new byte[] {0, 0, 8, 1});
        writeInt(lb, n);
        for (int y : labels) {
            lb.write(y);
        }
        String gz = gzip ? ".gz" : "";
        write(dir.resolve(split + "-images-idx3-ubyte" + gz), im.toByteArray(), gzip);
        write(dir.resolve(split + "-labels-idx1-ubyte" + gz), lb.toByteArray(), gzip);
    }

    private static void writeInt(ByteArrayOutputStream out, int v) {
        out.write(v >>> 24);
        out.write(v >>> 16);
        out.write(v >>> 8);
        out.write(v);
    }

    private static void write(Path file, byte[] content, boolean gzip) throws IOException {
        try (OutputStream raw = Files.newOutputStream(file);
                OutputStream out = gzip ? new GZIPOutputStream(raw) : raw) {
            out.write(content);
        }
    }

    /** CIFAR records: labelBytes label byte(s) (the last one used) + 3072 pixels. */
    public static byte[] cifarRecords(int n, int classes, int labelBytes, long seed) {
        int[] labels = new int[n];
        byte[] px = images(n, classes, 3, 32, 32, labels, seed);
        int rec = labelBytes + 3072;
        byte[] out = new byte[n * rec];
        for (int i = 0; i < n; i++) {
            if (labelBytes == 2) {
                out[i * rec] = (byte) (labels[i] / 5);
            }
            out[i * rec + labelBytes - 1] = (byte) labels[i];
            System.arraycopy(px, i * 3072, out, i * rec + labelBytes, 3072);
        }
        return out;
    }

    /**
     * A CIFAR-10 binary directory: the records of {@code cifarRecords(nTrain, 10, 1, 1)} cut into
     * data_batch_1.bin … data_batch_5.bin (as evenly as can be; nTrain >= 5), and test_batch.bin.
     */
    public static Path cifar10(Path dir, int nTrain, int nTest) throws IOException {
        Files.createDirectories(dir);
        byte[] train = cifarRecords(nTrain, 10, 1, 1);
        int rec = 1 + 3072;
        for (int b = 0, from = 0; b < 5; b++) {
            int to = (int) ((long) nTrain * (b + 1) / 5);
            Files.write(dir.resolve("data_batch_" + (b + 1) + ".bin"), Arrays.copyOfRange(train, from * rec, to * rec));
            from = to;
        }
        Files.write(dir.resolve("test_batch.bin"), cifarRecords(nTest, 10, 1, 3));
        return dir;
    }

    /** An image folder of RGB PNGs, train/ and test/, classes c0, c1, ... */
    public static Path imageFolder(Path dir, int classes, int perClass, int size) throws IOException {
        for (String split : new String[] {"train", "test"}) {
            for (int k = 0; k < classes; k++) {
                Path cdir = Files.createDirectories(dir.resolve(split).resolve("c" + k));
                for (int i = 0; i < perClass; i++) {
                    BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
                    for (int y = 0; y < size; y++) {
                        for (int x = 0; x < size; x++) {
                            img.setRGB(x, y, (k * 40 + i) << 16 | (y * 7) << 8 | x * 5);
                        }
                    }
                    ImageIO.write(img, "png", cdir.resolve("img" + i + ".png").toFile());
                }
            }
        }
        return dir;
    }
}
