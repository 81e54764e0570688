package io.nclab.data;

import io.nclab.UserError;

/**
 * A dataset as distributed: its training and test sets, before any split or subsampling, and the names of its
 * classes where the data gives them (an image folder's class folders; null where classes are just numbers).
 */
public record DataSource(ImageData train, ImageData test, java.util.List<String> classNames) {

    public DataSource(ImageData train, ImageData test) {
        this(train, test, null);
    }

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
