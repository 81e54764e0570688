package io.nclab.data;

/**
 * Channel-wise normalisation x ↦ (x/255 − mean_c) / std_c with the training set's per-channel mean and
 * standard deviation (computed once, in float64). A channel that is constant over the training set (std 0)
 * is only centred (std_c = 1): dividing by a floor such as 1e-8 would turn any other value of it in the
 * validation or test images into an input of 1e6 or more.
 */
public record Normalization(double[] mean, double[] std) {

    public static Normalization of(ImageData train) {
        int c = train.channels();
        int plane = train.height() * train.width();
        long[] sum = new long[c];
        long[] sq = new long[c];
        byte[] px = train.pixels();
        int s = train.sampleSize();
        for (int i = 0; i < train.size(); i++) {
            for (int ch = 0; ch < c; ch++) {
                long a = 0;
                long b = 0;
                int base = i * s + ch * plane;
                for (int j = 0; j < plane; j++) {
                    int v = px[base + j] & 0xff;
                    a += v;
                    b += (long) v * v;
                }
                sum[ch] += a;
                sq[ch] += b;
            }
        }
        double count = (double) train.size() * plane;
        double[] mean = new double[c];
        double[] std = new double[c];
        for (int ch = 0; ch < c; ch++) {
            double m = sum[ch] / count;
            double var = sq[ch] / count - m * m;
            mean[ch] = m / 255.0;
            // constant exactly when count·Σv² = (Σv)² (integers, compared exactly)
            boolean constant = java.math.BigInteger.valueOf(sq[ch]).multiply(java.math.BigInteger.valueOf(
                    (long) train.size() * plane)).equals(java.math.BigInteger.valueOf(sum[ch]).pow(2));
            std[ch] = constant ? 1 : Math.sqrt(Math.max(var, 0)) / 255.0;
        }
        return new Normalization(mean, std);
    }

    /** For channel c, the normalised value of every byte 0..255. */
    float[][] lookupTables() {
        float[][] t = new float[mean.length][256];
        for (int c = 0; c < mean.length; c++) {
            for (int v = 0; v < 256; v++) {
                t[c][v] = (float) ((v / 255.0 - mean[c]) / std[c]);
            }
        }
        return t;
    }
}
