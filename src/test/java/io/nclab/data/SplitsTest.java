package io.nclab.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nclab.UserError;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SplitsTest {
    private static ImageData data(int n, int classes) {
        int[] labels = new int[n];
        byte[] px = new byte[n * 4];
        for (int i = 0; i < n; i++) {
            labels[i] = i % classes;
            px[4 * i] = (byte) i; // identifies the sample
        }
        return new ImageData(px, labels, 1, 2, 2, classes);
    }

    private static Set<Integer> ids(ImageData d) {
        Set<Integer> s = new HashSet<>();
        for (int i = 0; i < d.size(); i++) {
            s.add(d.pixels()[4 * i] & 0xff);
        }
        return s;
    }

    @Test
    void splitHoldsOutStratifiedValidationThenSubsamplesPerClass() {
        ImageData all = data(200, 4);
        Splits.TrainVal tv = Splits.split(all, 20, 0.2, 7);
        assertArrayEquals(new int[] {20, 20, 20, 20}, tv.train().classCounts());
        assertArrayEquals(new int[] {5, 5, 5, 5}, tv.validation().classCounts());
        Set<Integer> overlap = ids(tv.train());
        overlap.retainAll(ids(tv.validation()));
        assertTrue(overlap.isEmpty());
        Splits.TrainVal again = Splits.split(all, 20, 0.2, 7);
        assertArrayEquals(tv.train().pixels(), again.train().pixels());
        assertNotEquals(ids(tv.train()), ids(Splits.split(all, 20, 0.2, 8).train()));
    }

    @Test
    void tooLargePerClassIsAOneLineError() {
        UserError e = assertThrows(UserError.class, () -> Splits.split(data(40, 4), 50, 0.1, 0));
        assertTrue(e.getMessage().contains("--per-class 50"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        // 10 per class, 1 held out: 9 left, and the message says where the tenth went
        e = assertThrows(UserError.class, () -> Splits.split(data(40, 4), 10, 0.1, 0));
        assertTrue(e.getMessage().endsWith("has only 9 training samples once --val-fraction 0.1 has held out its share"),
                e.getMessage());
        assertEquals(10, Splits.split(data(40, 4), 10, 0, 0).train().classCounts()[0]);
        assertThrows(UserError.class, () -> Splits.split(data(40, 4), -3, 0.1, 0));
    }

    @Test
    void imbalanceProfiles() {
        ImageData d = data(400, 4);
        assertArrayEquals(new int[] {100, 100, 10, 10},
                Splits.imbalance(d, 10, Splits.ImbalanceProfile.STEP, 1).classCounts());
        assertArrayEquals(new int[] {100, 47, 22, 10},
                Splits.imbalance(d, 10, Splits.ImbalanceProfile.EXP, 1).classCounts());
    }

    @Test
    void aClassWithoutTrainingImagesIsRefusedBeforeTraining() {
        // class 2 of 3 has no images: refused as the data are prepared (before a run folder or an epoch), by name
        ImageData gap = new ImageData(new byte[6 * 4], new int[] {0, 1, 0, 1, 0, 1}, 1, 2, 2, 3);
        DataSource source = new DataSource(gap, data(3, 3), null);
        UserError e = assertThrows(UserError.class, () -> TrainingData.prepare(source, 0, 0, 1,
                Splits.ImbalanceProfile.STEP, 0, 0));
        assertTrue(e.getMessage().startsWith("class 2 has no training images ("), e.getMessage());
        // random labels that empty a class say so: one image per class, every label drawn anew
        int emptied = 0;
        for (long seed = 0; seed < 20; seed++) {
            long s = seed;
            try {
                TrainingData.prepare(new DataSource(data(3, 3), data(3, 3), null), 0, 0, 1,
                        Splits.ImbalanceProfile.STEP, 1.0, s);
            } catch (UserError x) {
                assertTrue(x.getMessage().contains("after --random-labels 1.0 replaced labels (seed " + s + ")"),
                        x.getMessage());
                emptied++;
            }
        }
        assertTrue(emptied > 0, "three random labels of three classes leave a class empty for some seed");
    }

    @Test
    void randomLabelsAreSeededAndKeepTheImages() {
        ImageData d = data(1000, 10);
        ImageData r = Splits.randomLabels(d, 1.0, 3);
        assertArrayEquals(d.pixels(), r.pixels());
        assertArrayEquals(r.labels(), Splits.randomLabels(d, 1.0, 3).labels());
        int same = 0;
        for (int i = 0; i < d.size(); i++) {
            same += d.labels()[i] == r.labels()[i] ? 1 : 0;
        }
        assertTrue(same > 50 && same < 150, "about a tenth agree by chance: " + same);
        assertEquals(d, Splits.randomLabels(d, 0, 3));
    }
}
