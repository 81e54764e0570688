package io.nclab.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BatchAssemblerTest {

    @Test
    void cleanBatchesAreChannelNormalised() {
        int[] labels = new int[6];
        ImageData d = new ImageData(TinyData.images(6, 2, 3, 4, 5, labels, 9), labels, 3, 4, 5, 2);
        Normalization norm = Normalization.of(d);
        float[] out = new float[6 * 60];
        new BatchAssembler(d, norm).assemble(new int[] {0, 1, 2, 3, 4, 5}, 0, 6, null, out);
        for (int c = 0; c < 3; c++) {
            double s = 0;
            double s2 = 0;
            for (int i = 0; i < 6; i++) {
                for (int j = 0; j < 20; j++) {
                    double v = out[i * 60 + c * 20 + j];
                    s += v;
                    s2 += v * v;
                }
            }
            assertEquals(0, s / 120, 1e-5);
            assertEquals(1, s2 / 120, 1e-4);
        }
    }

    /** A constant channel is centred only: another value of it (in a test image) stays of order 1, not 1e8. */
    @Test
    void aConstantChannelIsOnlyCentred() {
        int[] labels = new int[6];
        byte[] px = TinyData.images(6, 2, 3, 4, 5, labels, 9);
        for (int i = 0; i < 6; i++) {
            for (int j = 0; j < 20; j++) {
                px[i * 60 + 40 + j] = 0; // the third channel is 0 in every training image
            }
        }
        Normalization norm = Normalization.of(new ImageData(px, labels, 3, 4, 5, 2));
        assertEquals(1, norm.std()[2]);
        assertEquals(0, norm.mean()[2]);
        assertEquals(3.0f / 255, norm.lookupTables()[2][3], 1e-7);
        assertTrue(norm.std()[0] > 0.01 && norm.std()[0] < 1, "an ordinary channel keeps its std: " + norm.std()[0]);
    }

    @Test
    void augmentationIsAShiftedPossiblyFlippedCropOfTheZeroPaddedImage() {
        int h = 6;
        int w = 7;
        byte[] px = new byte[2 * h * w];
        for (int j = 0; j < px.length; j++) {
            px[j] = (byte) (j * 3 + 1);
        }
        ImageData d = new ImageData(px, new int[] {0, 1}, 1, h, w, 2);
        Normalization norm = new Normalization(new double[] {0}, new double[] {1 / 255.0});
        float[] out = new float[2 * h * w];
        new BatchAssembler(d, norm).assemble(new int[] {1, 0}, 0, 2, Rng.of(5, "augment", 1), out);
        Rng replay = Rng.of(5, "augment", 1);
        int[] order = {1, 0};
        for (int b = 0; b < 2; b++) {
            int dy = replay.nextInt(9) - 4;
            int dx = replay.nextInt(9) - 4;
            boolean flip = replay.nextBoolean();
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int sy = y + dy;
                    int sx = (flip ? w - 1 - x : x) + dx;
                    int expected = sy < 0 || sy >= h || sx < 0 || sx >= w ? 0 : px[order[b] * h * w + sy * w + sx] & 0xff;
                    assertEquals(expected, out[b * h * w + y * w + x], 1e-3, "pixel " + y + "," + x);
                }
            }
        }
    }
}
