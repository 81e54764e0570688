package io.nclab.data;

/**
 * Turns samples of an {@link ImageData} into one normalised float32 batch (B×C×H×W, row-major) on the
 * Java side, so a batch crosses into native memory in a single copy rather than sample by sample.
 * With an augmentation generator it applies the standard CIFAR augmentation: a random crop of the image
 * zero-padded by {@link #PAD} pixels (a shift by up to 4 in each direction) and a horizontal flip with
 * probability ½.
 */
public final class BatchAssembler {
    public static final int PAD = 4;

    private final ImageData data;
    private final float[][] lut;

    public BatchAssembler(ImageData data, Normalization norm) {
        this.data = data;
        this.lut = norm.lookupTables();
    }

    public ImageData data() {
        return data;
    }

    /**
     * Writes samples {@code order[from..to)} into {@code out} (length ≥ (to−from)·C·H·W); {@code augment}
     * null gives the clean images.
     */
    public void assemble(int[] order, int from, int to, Rng augment, float[] out) {
        int c = data.channels();
        int h = data.height();
        int w = data.width();
        int plane = h * w;
        int s = data.sampleSize();
        byte[] px = data.pixels();
        for (int b = 0; b < to - from; b++) {
            int src = order[from + b] * s;
            int dst = b * s;
            if (augment == null) {
                for (int ch = 0; ch < c; ch++) {
                    float[] t = lut[ch];
                    int o = ch * plane;
                    for (int j = 0; j < plane; j++) {
                        out[dst + o + j] = t[px[src + o + j] & 0xff];
                    }
                }
                continue;
            }
            int dy = augment.nextInt(2 * PAD + 1) - PAD;
            int dx = augment.nextInt(2 * PAD + 1) - PAD;
            boolean flip = augment.nextBoolean();
            for (int ch = 0; ch < c; ch++) {
                float[] t = lut[ch];
                float zero = t[0];
                int o = ch * plane;
                for (int y = 0; y < h; y++) {
                    int sy = y + dy;
                    for (int x = 0; x < w; x++) {
                        int sx = (flip ? w - 1 - x : x) + dx;
                        out[dst + o + y * w + x] = sy < 0 || sy >= h || sx < 0 || sx >= w
                                ? zero : t[px[src + o + sy * w + sx] & 0xff];
                    }
                }
            }
        }
    }
}
