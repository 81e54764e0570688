package io.nclab.data;

/**
 * A labelled set of images held as raw 8-bit pixels: sample i occupies
 * {@code pixels[i * sampleSize() .. (i + 1) * sampleSize())} in channel-major (C, H, W) order.
 * Kept as bytes (a quarter of float32) and turned into normalised float32 batch by batch.
 */
public record ImageData(byte[] pixels, int[] labels, int channels, int height, int width, int classes) {

    public ImageData {
        if ((long) labels.length * channels * height * width != pixels.length) {
            throw new IllegalArgumentException("pixels hold " + pixels.length + " bytes, expected "
                    + labels.length + "×" + channels + "×" + height + "×" + width);
        }
    }

    public int size() {
        return labels.length;
    }

    public int sampleSize() {
        return channels * height * width;
    }

    /** The samples at {@code indices}, in that order. */
    public ImageData subset(int[] indices) {
        int s = sampleSize();
        byte[] p = new byte[indices.length * s];
        int[] l = new int[indices.length];
        for (int i = 0; i < indices.length; i++) {
            System.arraycopy(pixels, indices[i] * s, p, i * s, s);
            l[i] = labels[indices[i]];
        }
        return new ImageData(p, l, channels, height, width, classes);
    }

    /** The same images with other labels (random-label experiments). */
    public ImageData withLabels(int[] newLabels) {
        return new ImageData(pixels, newLabels, channels, height, width, classes);
    }

    /** How many samples each class has. */
    public int[] classCounts() {
        int[] c = new int[classes];
        for (int y : labels) {
            c[y]++;
        }
        return c;
    }
}
