package io.nclab.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nclab.UserError;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataFormatsTest {
    @TempDir
    Path tmp;

    private static void oneLine(UserError e, String expected) {
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void idxReadsPlainAndGzippedAlike() throws IOException {
        DataSource plain = IdxFiles.load(TinyData.idx(tmp.resolve("plain"), 12, 6, 3, 5, 4, false), "");
        DataSource gz = IdxFiles.load(TinyData.idx(tmp.resolve("gz"), 12, 6, 3, 5, 4, true), "");
        assertEquals(12, plain.train().size());
        assertEquals(6, plain.test().size());
        assertEquals(3, plain.classes());
        assertEquals(5, plain.train().height());
        assertEquals(4, plain.train().width());
        assertArrayEquals(plain.train().pixels(), gz.train().pixels());
        assertArrayEquals(plain.test().labels(), gz.test().labels());
        int[] labels = new int[12];
        assertArrayEquals(TinyData.images(12, 3, 1, 5, 4, labels, 1), plain.train().pixels());
        assertArrayEquals(labels, plain.train().labels());
    }

    @Test
    void corruptIdxHeaderIsAOneLineError() throws IOException {
        Path dir = TinyData.idx(tmp.resolve("bad"), 6, 3, 3, 4, 4, false);
        Path f = dir.resolve("train-images-idx3-ubyte");
        byte[] b = Files.readAllBytes(f);
        b[2] = 0x0D; // float elements
        Files.write(f, b);
        oneLine(assertThrows(UserError.class, () -> IdxFiles.load(dir, "")), "corrupt IDX header");
        b[2] = 0x08;
        b[7] = 9; // 9 images promised, 6 present
        Files.write(f, b);
        oneLine(assertThrows(UserError.class, () -> IdxFiles.load(dir, "")), "corrupt IDX file");
    }

    /** Sets item {@code i}'s label in an uncompressed IDX label file (8 header bytes). */
    private static void setLabel(Path file, int i, int label) throws IOException {
        byte[] b = Files.readAllBytes(file);
        b[8 + i] = (byte) label;
        Files.write(file, b);
    }

    @Test
    void idxLabelsOutsideTheClassesNameTheFileTheItemAndTheRange() throws IOException {
        Path dir = TinyData.idx(tmp.resolve("labels"), 12, 6, 3, 4, 4, false);
        Path train = dir.resolve("train-labels-idx1-ubyte");
        Path test = dir.resolve("t10k-labels-idx1-ubyte");
        // generic IDX: the training labels number the classes 0..K-1; a label past a gap is corruption
        setLabel(train, 4, 200);
        UserError e = assertThrows(UserError.class, () -> IdxFiles.load(dir, ""));
        oneLine(e, train + ": label 200 of item 4 is outside 0..2 (no training item has label 3)");
        setLabel(train, 4, 1);
        setLabel(test, 1, 5);
        e = assertThrows(UserError.class, () -> IdxFiles.load(dir, ""));
        oneLine(e, test + ": label 5 of item 1 is outside 0..2, the classes of the training labels");
        // Fashion-MNIST has ten classes: 5 is one of them, 12 is not
        assertEquals(6, IdxFiles.load(dir, "", DatasetKind.FASHION_MNIST_CLASSES).classes(), "labels up to 5");
        setLabel(test, 1, 12);
        e = assertThrows(UserError.class, () -> DatasetKind.FASHION_MNIST.load(dir));
        oneLine(e, test + ": label 12 of item 1 is outside 0..9");
    }

    @Test
    void oneBasedLabelsAndTwoDimensionalLabelFilesAreNamedForWhatTheyAre() throws IOException {
        Path dir = TinyData.idx(tmp.resolve("one-based"), 12, 6, 3, 4, 4, false);
        Path train = dir.resolve("train-labels-idx1-ubyte");
        byte[] original = Files.readAllBytes(train);
        for (int i = 0; i < 12; i++) {
            setLabel(train, i, 1 + i % 3); // EMNIST letters' labels start at 1
        }
        oneLine(assertThrows(UserError.class, () -> IdxFiles.load(dir, "")),
                train + ": no training item has label 0 (the smallest is 1); labels must be the classes 0..K-1");
        // the labels stored as a 12×1 array: the counts agree, the shape does not
        byte[] twoDim = new byte[original.length + 4];
        System.arraycopy(original, 0, twoDim, 0, 8);
        twoDim[3] = 2;
        twoDim[11] = 1;
        System.arraycopy(original, 8, twoDim, 12, original.length - 8);
        Files.write(train, twoDim);
        oneLine(assertThrows(UserError.class, () -> IdxFiles.load(dir, "")),
                "corrupt IDX file " + train + ": labels need 1 dimension, it has 2");
    }

    @Test
    void missingFashionMnistNamesThePackage() {
        UserError e = assertThrows(UserError.class, () -> IdxFiles.load(tmp.resolve("none"),
                "; install Debian's package with 'apt-get install dataset-fashion-mnist'"));
        oneLine(e, "dataset-fashion-mnist");
    }

    @Test
    void cifar10BinaryIsReadRecordByRecord() throws IOException {
        Path dir = TinyData.cifar10(tmp.resolve("c10"), 15, 5);
        DataSource d = CifarBinary.loadCifar10(dir);
        assertEquals(15, d.train().size());
        assertEquals(5, d.test().size());
        assertEquals(3, d.train().channels());
        assertEquals(32, d.train().height());
        assertEquals(10, d.classes());
        // the first image of the second batch (record 3 of 15): label, then its 3072 pixels
        byte[] batch2 = Files.readAllBytes(dir.resolve("data_batch_2.bin"));
        assertEquals(3 * 3073, batch2.length);
        assertEquals(batch2[0], d.train().labels()[3]);
        assertArrayEquals(Arrays.copyOfRange(batch2, 1, 3073), Arrays.copyOfRange(d.train().pixels(), 3 * 3072, 4 * 3072));
        // every training batch of the distribution is needed: a missing one is named, not skipped
        Path partial = TinyData.cifar10(tmp.resolve("c10-partial"), 15, 5);
        Files.delete(partial.resolve("data_batch_4.bin"));
        oneLine(assertThrows(UserError.class, () -> CifarBinary.loadCifar10(partial)), "data_batch_4.bin");
        // the distribution's class names, where it has them (trailing blank lines as the official file has)
        assertEquals(null, d.classNames());
        Files.writeString(dir.resolve("batches.meta.txt"), "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse"
                + "\nship\ntruck\n\n");
        assertEquals(List.of("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"),
                CifarBinary.loadCifar10(dir).classNames());
        Files.writeString(dir.resolve("batches.meta.txt"), "airplane\nautomobile\n");
        assertEquals(null, CifarBinary.loadCifar10(dir).classNames(), "not ten names: none");
    }

    /** One class is refused before any epoch (the first probe stopped such a run after an epoch's training). */
    @Test
    void oneClassIsRefusedBeforeTraining() throws IOException {
        DataSource one = IdxFiles.load(TinyData.idx(tmp.resolve("one"), 6, 3, 1, 5, 4, false), "");
        oneLine(assertThrows(UserError.class, () -> TrainingData.prepare(one, 0, 0.1, 1,
                Splits.ImbalanceProfile.STEP, 0, 0)), "the data has 1 class: classification and Neural Collapse need"
                + " at least 2");
    }

    @Test
    void cifar100UsesTheFineLabel() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("c100").resolve("cifar-100-binary"));
        Files.write(dir.resolve("train.bin"), TinyData.cifarRecords(30, 30, 2, 1));
        Files.write(dir.resolve("test.bin"), TinyData.cifarRecords(4, 30, 2, 2));
        DataSource d = CifarBinary.loadCifar100(tmp.resolve("c100"));
        assertEquals(100, d.classes());
        assertEquals(29, d.train().labels()[29]);
    }

    @Test
    void truncatedCifarFileIsAOneLineError() throws IOException {
        Path dir = TinyData.cifar10(tmp.resolve("trunc"), 3, 2);
        byte[] b = Files.readAllBytes(dir.resolve("data_batch_2.bin"));
        Files.write(dir.resolve("data_batch_2.bin"), Arrays.copyOf(b, b.length - 100));
        oneLine(assertThrows(UserError.class, () -> CifarBinary.loadCifar10(dir)), "truncated CIFAR file");
    }

    @Test
    void imageFolderReadsRgbPngsByClass() throws IOException {
        DataSource d = ImageFolder.load(TinyData.imageFolder(tmp.resolve("folder"), 3, 2, 6));
        assertEquals(6, d.train().size());
        assertEquals(3, d.classes());
        assertEquals(3, d.train().channels());
        assertEquals(6, d.train().width());
        assertEquals(2, d.train().labels()[5]);
        assertEquals(java.util.List.of("c0", "c1", "c2"), d.classNames(), "the class folders, in label order");
        // sample 5 is class 2, image 1: red = 2·40 + 1, green = 7y, blue = 5x at (x, y) = (3, 2)
        int plane = 36;
        byte[] px = d.train().pixels();
        assertEquals(81, px[5 * 108 + 2 * 6 + 3] & 0xff);
        assertEquals(14, px[5 * 108 + plane + 2 * 6 + 3] & 0xff);
        assertEquals(15, px[5 * 108 + 2 * plane + 2 * 6 + 3] & 0xff);
        // the images per class a sweep checks --per-class against, counted without decoding: the same as read
        Path more = TinyData.imageFolder(tmp.resolve("counted"), 3, 4, 6);
        Files.delete(more.resolve("train").resolve("c1").resolve(Files.list(more.resolve("train").resolve("c1"))
                .sorted().findFirst().orElseThrow().getFileName()));
        Files.writeString(more.resolve("train").resolve("c1").resolve("notes.txt"), "not an image");
        assertArrayEquals(ImageFolder.load(more).train().classCounts(),
                DatasetKind.IMAGE_FOLDER.trainClassCounts(more));
        assertArrayEquals(new int[] {4, 3, 4}, DatasetKind.IMAGE_FOLDER.trainClassCounts(more));
        // a class without images: the same message as reading the set gives
        Path empty = TinyData.imageFolder(tmp.resolve("counted-empty"), 2, 1, 6);
        try (var files = Files.list(empty.resolve("train").resolve("c1"))) {
            for (Path f : files.toList()) {
                Files.delete(f);
            }
        }
        String counted = assertThrows(UserError.class, () -> DatasetKind.IMAGE_FOLDER.trainClassCounts(empty))
                .getMessage();
        assertEquals(assertThrows(UserError.class, () -> ImageFolder.load(empty)).getMessage(), counted);
    }

    @Test
    void anEmptyTrainingClassFolderIsNamed() throws IOException {
        Path dir = TinyData.imageFolder(tmp.resolve("empty-class"), 3, 2, 6);
        Path c1 = dir.resolve("train").resolve("c1");
        for (Path f : Files.list(c1).toList()) {
            Files.delete(f);
        }
        oneLine(assertThrows(UserError.class, () -> ImageFolder.load(dir)), "class folder " + c1 + " has no .png");
        // a test class without images, or without a folder, would leave the test accuracy without it
        Path noTest = TinyData.imageFolder(tmp.resolve("empty-test-class"), 3, 2, 6);
        Path t1 = noTest.resolve("test").resolve("c1");
        for (Path f : Files.list(t1).toList()) {
            Files.delete(f);
        }
        oneLine(assertThrows(UserError.class, () -> ImageFolder.load(noTest)), "class folder " + t1
                + " has no .png, .jpg, .bmp, .gif or .tif images: every class of train/ needs test images");
        Files.delete(t1);
        oneLine(assertThrows(UserError.class, () -> ImageFolder.load(noTest)), "class folder " + t1 + " is missing");
        // hidden folders are not classes
        Path hidden = TinyData.imageFolder(tmp.resolve("hidden"), 3, 2, 6);
        Files.createDirectories(hidden.resolve("train/.ipynb_checkpoints"));
        assertEquals(3, ImageFolder.load(hidden).classes());
        // and hidden files are not images: macOS's AppleDouble ._name.png beside every image
        Files.write(hidden.resolve("train/c0/._img0.png"), new byte[] {0, 5, 22, 7, 0, 2, 0, 0});
        Files.write(hidden.resolve("test/c2/.img1.png"), new byte[] {1, 2, 3});
        assertEquals(6, ImageFolder.load(hidden).train().labels().length);
    }

    /**
     * As torchvision's ImageFolder: images in a class folder's sub-folders count, and BMP, GIF and TIFF are read; a
     * kind Java cannot decode (WebP) is refused by name rather than left out unsaid.
     */
    @Test
    void imageFoldersReadWhatTorchvisionReads() throws IOException {
        Path dir = TinyData.imageFolder(tmp.resolve("kinds"), 2, 2, 6);
        java.awt.image.BufferedImage img = javax.imageio.ImageIO.read(dir.resolve("train/c0/img0.png").toFile());
        Path sub = Files.createDirectories(dir.resolve("train/c0/more"));
        for (String kind : new String[] {"bmp", "gif", "tiff"}) {
            assertTrue(javax.imageio.ImageIO.write(img, kind, sub.resolve("x." + kind).toFile()), kind);
        }
        DataSource d = ImageFolder.load(dir);
        assertEquals(2 + 3 + 2, d.train().size(), "two PNGs of c0, the three in its sub-folder, two of c1");
        assertArrayEquals(Arrays.copyOfRange(d.train().pixels(), 0, 108), Arrays.copyOfRange(d.train().pixels(),
                2 * 108, 3 * 108), "more/x.bmp, sorted after img0.png and img1.png, is img0's pixels");
        Files.write(sub.resolve("y.webp"), new byte[] {1, 2, 3});
        oneLine(assertThrows(UserError.class, () -> ImageFolder.load(dir)), "image " + sub.resolve("y.webp")
                + " is of a kind nclab does not read");
    }

    /** A split larger than one Java array is one line naming its size, not a NegativeArraySizeException. */
    @Test
    void aSplitTooLargeForMemoryIsOneLine() throws IOException {
        Path dir = TinyData.imageFolder(tmp.resolve("large"), 3, 2, 6);
        long saved = ImageFolder.MAX_BYTES;
        ImageFolder.MAX_BYTES = 6 * 3 * 6 * 6 - 1; // one byte short of the six training images
        try {
            oneLine(assertThrows(UserError.class, () -> ImageFolder.load(dir)), dir.resolve("train")
                    + ": 6 images of 3×6×6 pixels are 0.0 GB, more than the 2 GB one split may hold in memory");
        } finally {
            ImageFolder.MAX_BYTES = saved;
        }
    }

    /** Images of two sizes: both are named with their sizes (either may be the odd one out). */
    @Test
    void imagesOfTwoSizesAreBothNamed() throws IOException {
        Path dir = TinyData.imageFolder(tmp.resolve("sizes"), 2, 2, 6);
        Path odd = dir.resolve("train/c0/img0.png");
        javax.imageio.ImageIO.write(new java.awt.image.BufferedImage(8, 6, java.awt.image.BufferedImage.TYPE_INT_RGB),
                "png", odd.toFile());
        oneLine(assertThrows(UserError.class, () -> ImageFolder.load(dir)), "images differ in size: " + odd
                + " is 8×6, " + dir.resolve("train/c0/img1.png") + " is 6×6; every image must have the same size");

        Path test = TinyData.imageFolder(tmp.resolve("test-sizes"), 2, 2, 6);
        Path oddTest = test.resolve("test/c1/img1.png");
        javax.imageio.ImageIO.write(new java.awt.image.BufferedImage(8, 6, java.awt.image.BufferedImage.TYPE_INT_RGB),
                "png", oddTest.toFile());
        oneLine(assertThrows(UserError.class, () -> ImageFolder.load(test)), "images differ in size: "
                + test.resolve("train/c0/img0.png") + " is 6×6, " + oddTest + " is 8×6;");
    }

    /** A grayscale image's stored value is the pixel in every channel (no linear-to-sRGB conversion). */
    @Test
    void grayscaleImagesKeepTheirValues() throws IOException {
        Path dir = tmp.resolve("gray");
        int[] values = {0, 80, 160};
        for (String split : new String[] {"train", "test"}) {
            for (int k = 0; k < 3; k++) {
                Path cdir = Files.createDirectories(dir.resolve(split).resolve("c" + k));
                java.awt.image.BufferedImage gray = new java.awt.image.BufferedImage(4, 4,
                        java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
                java.awt.image.BufferedImage rgb = new java.awt.image.BufferedImage(4, 4,
                        java.awt.image.BufferedImage.TYPE_INT_RGB);
                for (int y = 0; y < 4; y++) {
                    for (int x = 0; x < 4; x++) {
                        gray.getRaster().setSample(x, y, 0, values[k]);
                        rgb.setRGB(x, y, values[k] << 16 | values[k] << 8 | values[k]);
                    }
                }
                javax.imageio.ImageIO.write(gray, "png", cdir.resolve("a.png").toFile());
                javax.imageio.ImageIO.write(rgb, "png", cdir.resolve("b.png").toFile());
            }
        }
        ImageData d = ImageFolder.load(dir).train();
        byte[] px = d.pixels();
        for (int i = 0; i < d.labels().length; i++) {
            for (int c = 0; c < 3; c++) {
                assertEquals(values[d.labels()[i]], px[i * 48 + c * 16 + 5] & 0xff, "sample " + i + " channel " + c);
            }
        }
    }
}
