package io.nclab.data;

/**
 * Channel-wise normalisation x ↦ (x/255 − mean_c) / std_c with the training set's per-channel mean and
 * standard deviation (computed once, in float64).
 */
public record Normalization(double[] mean, double[] std) {

    public static Normalization of(ImageData train) {
        int c = train.channels();
        int plane = train.height() * train.width();
        double[] sum = new double[c];
        double[] sq = new double[c];
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
            std[ch] = Math.max(Math.sqrt(Math.max(var, 0)) / 255.0, 1e-8);
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
