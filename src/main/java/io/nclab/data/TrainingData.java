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
        Splits.TrainVal tv = Splits.split(source.train(), perClass, valFraction, seed);
        ImageData imbalanced = Splits.imbalance(tv.train(), imbalance, profile, seed);
        ImageData train = Splits.randomLabels(imbalanced, randomLabels, seed);
        return new TrainingData(train, tv.validation(), source.test(), Normalization.of(train), source.classNames(),
                imbalanced.labels());
    }

    /** Training images per class by their true labels (before --random-labels). */
    public int[] trueTrainCounts() {
        return train.withLabels(trueTrainLabels).classCounts();
    }

    public int classes() {
        return train.classes();
    }
}
