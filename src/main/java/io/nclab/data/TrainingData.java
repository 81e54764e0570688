package io.nclab.data;

/**
 * The three sets a training run uses, cut from a {@link DataSource}: the validation hold-out and
 * per-class subsampling ({@link Splits#split}), then class imbalance and random labels on the training
 * set, and the normalisation computed from that training set; the class names where the data has them, and
 * the training labels before --random-labels replaced some ({@code trueTrainLabels}; the same as the training
 * set's labels without it).
 */
public record TrainingData(ImageData train, ImageData validation, ImageData test, Normalization normalization,
        java.util.List<String> classNames, int[] trueTrainLabels) {

    public static TrainingData prepare(DataSource source, int perClass, double valFraction, double imbalance,
            Splits.ImbalanceProfile profile, double randomLabels, long seed) {
        if (source.classes() < 2) {
            // refused before an epoch is trained: the first probe would stop the run there
            throw new io.nclab.UserError("the data has " + source.classes() + " class: classification and Neural"
                    + " Collapse need at least 2");
        }
        Splits.TrainVal tv = Splits.split(source.train(), perClass, valFraction, seed);
        ImageData imbalanced = Splits.imbalance(tv.train(), imbalance, profile, seed);
        ImageData train = Splits.randomLabels(imbalanced, randomLabels, seed);
        // refused here, before a run folder exists or an epoch is trained: the probes' NC metrics need every class
        requireEveryClass(imbalanced.classCounts(), "");
        requireEveryClass(train.classCounts(), String.format(java.util.Locale.ROOT,
                " after --random-labels %s replaced labels (seed %d); give more images per class or fewer random"
                        + " labels", randomLabels, seed));
        return new TrainingData(train, tv.validation(), source.test(), Normalization.of(train), source.classNames(),
                imbalanced.labels());
    }

    private static void requireEveryClass(int[] counts, String why) {
        for (int k = 0; k < counts.length; k++) {
            if (counts[k] == 0) {
                throw new io.nclab.UserError("class " + k + " has no training images" + why + " (" + counts.length
                        + " classes); every class needs at least one for the NC metrics");
            }
        }
    }

    /**
     * The classes the test set has no image of (a subset, or a damaged file): its accuracy covers the others only,
     * which a run says.
     */
    public java.util.List<Integer> untestedClasses() {
        int[] tested = test.classCounts();
        java.util.List<Integer> out = new java.util.ArrayList<>();
        for (int k = 0; k < tested.length; k++) {
            if (tested[k] == 0) {
                out.add(k);
            }
        }
        return out;
    }

    /** Training images per class by their true labels (before --random-labels). */
    public int[] trueTrainCounts() {
        return train.withLabels(trueTrainLabels).classCounts();
    }

    public int classes() {
        return train.classes();
    }
}
