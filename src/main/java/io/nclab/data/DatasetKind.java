package io.nclab.data;

import io.nclab.UserError;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The datasets nclab reads, by their CLI names; Fashion-MNIST is the default everywhere. */
public enum DatasetKind {
    FASHION_MNIST("fashion-mnist", false),
    MNIST_IDX("mnist-idx", false),
    CIFAR10("cifar10", true),
    CIFAR100("cifar100", true),
    IMAGE_FOLDER("image-folder", true);

    /** Fashion-MNIST's classes (T-shirt/top ... ankle boot), labels 0..9. */
    public static final int FASHION_MNIST_CLASSES = 10;

    /** Where Debian's {@code dataset-fashion-mnist} package installs the IDX files. */
    public static final Path FASHION_MNIST_DIR = Path.of("/usr/share/datasets/fashion-mnist");

    private final String cliName;
    private final boolean augmentByDefault;

    DatasetKind(String cliName, boolean augmentByDefault) {
        this.cliName = cliName;
        this.augmentByDefault = augmentByDefault;
    }

    public String cliName() {
        return cliName;
    }

    /** Random crop and flip suit natural images (CIFAR-type), not digits and garments. */
    public boolean augmentByDefault() {
        return augmentByDefault;
    }

    /** The number of classes where the dataset fixes it (10 or 100), else 0 (it comes from the files). */
    public int knownClasses() {
        return switch (this) {
            case FASHION_MNIST, CIFAR10 -> 10;
            case CIFAR100 -> 100;
            default -> 0;
        };
    }

    public static final String ACCEPTED =
            Arrays.stream(values()).map(DatasetKind::cliName).collect(Collectors.joining("|"));

    public static DatasetKind parse(String name) {
        for (DatasetKind k : values()) {
            if (k.cliName.equals(name.toLowerCase(Locale.ROOT))) {
                return k;
            }
        }
        throw new UserError("unknown dataset '" + name + "'; accepted: " + ACCEPTED);
    }

    /**
     * The training set's images per class, for checks before a run (a sweep's): an image folder's files are
     * counted, not decoded; the other formats are read (a second or so).
     */
    public int[] trainClassCounts(Path dataDir) {
        if (this == IMAGE_FOLDER && dataDir != null) {
            return ImageFolder.trainClassCounts(dataDir);
        }
        return load(dataDir).train().classCounts();
    }

    /** Reads the dataset from {@code dataDir} (null: Fashion-MNIST's installed directory). */
    public DataSource load(Path dataDir) {
        if (dataDir == null && this != FASHION_MNIST) {
            throw new UserError("--dataset " + cliName + " needs --data-dir DIR");
        }
        switch (this) {
            case FASHION_MNIST: {
                Path dir = dataDir == null ? FASHION_MNIST_DIR : dataDir;
                String hint = dataDir == null
                        ? "; install Debian's package with 'apt-get install dataset-fashion-mnist'"
                                + " or pass --data-dir DIR holding the IDX files"
                        : "";
                if (dataDir == null && !Files.isDirectory(dir)) {
                    throw new UserError("Fashion-MNIST is not installed (no " + dir + ")" + hint);
                }
                return IdxFiles.load(dir, hint, FASHION_MNIST_CLASSES);
            }
            case MNIST_IDX:
                return IdxFiles.load(dataDir, "");
            case CIFAR10:
                return CifarBinary.loadCifar10(dataDir);
            case CIFAR100:
                return CifarBinary.loadCifar100(dataDir);
            case IMAGE_FOLDER:
                return ImageFolder.load(dataDir);
            default:
                throw new IllegalStateException(name());
        }
    }
}
