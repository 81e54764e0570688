package io.nclab.data;

import io.nclab.UserError;

/** A dataset as distributed: its training and test sets, before any split or subsampling. */
public record DataSource(ImageData train, ImageData test) {

    public DataSource {
        if (train.channels() != test.channels() || train.height() != test.height() || train.width() != test.width()) {
            throw new UserError("training images are " + train.channels() + "×" + train.height() + "×" + train.width()
                    + " but test images are " + test.channels() + "×" + test.height() + "×" + test.width());
        }
        int classes = Math.max(train.classes(), test.classes());
        if (train.classes() != classes) {
            train = new ImageData(train.pixels(), train.labels(), train.channels(), train.height(), train.width(), classes);
        }
        if (test.classes() != classes) {
            test = new ImageData(test.pixels(), test.labels(), test.channels(), test.height(), test.width(), classes);
        }
    }

    public int classes() {
        return train.classes();
    }
}
