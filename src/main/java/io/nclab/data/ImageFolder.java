package io.nclab.data;

import io.nclab.UserError;
import io.nclab.io.IoErrors;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * An image-folder dataset (mini-ImageNet style): {@code train/<class>/*.png|jpg|jpeg} and
 * {@code test/<class>/...}. Classes are the training sub-folders in name order; every image is read as
 * RGB and all must share one size.
 */
public final class ImageFolder {
    private ImageFolder() {}

    public static DataSource load(Path dir) {
        List<String> classes = trainClasses(dir);
        Path train = dir.resolve("train");
        ImageData tr = read(train, classes, null, null);
        // the first training image: the one the test images' size is compared with
        Path first = images(train.resolve(classes.get(0)), "").get(0);
        return new DataSource(tr, read(dir.resolve("test"), classes, tr, first), classes);
    }

    /** The class names (train/'s folders, sorted), once the layout is checked. */
    private static List<String> trainClasses(Path dir) {
        Path train = dir.resolve("train");
        if (!Files.isDirectory(train) || !Files.isDirectory(dir.resolve("test"))) {
            throw new UserError("an image folder needs train/<class>/ and test/<class>/ in " + dir);
        }
        List<String> classes = classNames(train);
        if (classes.isEmpty()) {
            throw new UserError("no class folders in " + train);
        }
        return classes;
    }

    /**
     * The training images per class (train/&lt;class&gt;/, classes sorted by name), counted without decoding any:
     * what a sweep checks --per-class against before its first run.
     */
    static int[] trainClassCounts(Path dir) {
        List<String> classes = trainClasses(dir);
        int[] counts = new int[classes.size()];
        for (int k = 0; k < counts.length; k++) {
            counts[k] = images(dir.resolve("train").resolve(classes.get(k)), "").size();
        }
        return counts;
    }

    /**
     * A class folder's images, sorted; none is an error ({@code note} says more): a class without training images
     * cannot be learned or measured (its class mean is undefined), one without test images would drop out of the
     * test accuracy without a word.
     */
    private static List<Path> images(Path cdir, String note) {
        // in the class folder and its sub-folders, as torchvision's ImageFolder walks them (hidden ones skipped)
        try (Stream<Path> s = Files.walk(cdir, java.nio.file.FileVisitOption.FOLLOW_LINKS)) {
            List<Path> files = s.filter(p -> !hidden(cdir, p)).toList();
            for (Path f : files) {
                String n = f.getFileName().toString().toLowerCase(Locale.ROOT);
                if (Files.isRegularFile(f) && UNREAD.stream().anyMatch(n::endsWith)) {
                    // torchvision would train on it: leaving it out unsaid would change the set
                    throw new UserError("image " + f + " is of a kind nclab does not read (it reads PNG, JPEG, BMP,"
                            + " GIF and TIFF); convert it, or move it out of the class folder");
                }
            }
            List<Path> images = files.stream().filter(ImageFolder::isImage)
                    .sorted(java.util.Comparator.comparing(p -> cdir.relativize(p).toString())).toList();
            if (images.isEmpty()) {
                throw new UserError("class folder " + cdir + " has no .png, .jpg, .bmp, .gif or .tif images" + note);
            }
            return images;
        } catch (IOException e) {
            throw new UserError("cannot list " + cdir + ": " + IoErrors.reason(e));
        } catch (java.io.UncheckedIOException e) { // a walk's own failure below the folder (a link loop, say)
            throw new UserError("cannot list " + cdir + ": " + IoErrors.reason(e.getCause()));
        }
    }

    /** The image files read: what Java's ImageIO decodes. */
    private static final List<String> READ = List.of(".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff");

    /** Image files Java's ImageIO cannot decode, which an image folder may hold. */
    private static final List<String> UNREAD = List.of(".webp", ".heic", ".avif", ".jp2", ".ppm", ".pgm");

    /** Whether {@code p} lies in or is a hidden file or folder below {@code root}. */
    private static boolean hidden(Path root, Path p) {
        for (Path part : root.relativize(p)) {
            if (part.toString().startsWith(".")) {
                return true;
            }
        }
        return false;
    }

    private static List<String> classNames(Path split) {
        try (Stream<Path> s = Files.list(split)) {
            // hidden folders (.ipynb_checkpoints, .git) are not classes
            return s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).filter(n -> !n.startsWith("."))
                    .sorted().toList();
        } catch (IOException e) {
            throw new UserError("cannot list " + split + ": " + IoErrors.reason(e));
        }
    }

    /**
     * A split's images, all of one size: that of {@code like} (read from {@code likeImage} and others) where given,
     * else of the split's first image.
     */
    private static ImageData read(Path split, List<String> classes, ImageData like, Path likeImage) {
        List<Path> files = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (String extra : classNames(split)) {
            if (!classes.contains(extra)) {
                throw new UserError("class folder " + split.resolve(extra) + " has no counterpart in train/");
            }
        }
        for (int k = 0; k < classes.size(); k++) {
            Path cdir = split.resolve(classes.get(k));
            if (!Files.isDirectory(cdir)) {
                // a class the test set lacks would be left out of test accuracy without a word
                throw new UserError("class folder " + cdir + " is missing: every class of train/ needs its test/"
                        + " folder");
            }
            for (Path f : images(cdir, like == null ? "" : ": every class of train/ needs test images")) {
                files.add(f);
                labels.add(k);
            }
        }
        if (files.isEmpty()) {
            throw new UserError("no .png, .jpg, .bmp, .gif or .tif images under " + split);
        }
        int h = like == null ? -1 : like.height();
        int w = like == null ? -1 : like.width();
        Path sized = likeImage; // an image of size w × h
        byte[] pixels = null;
        for (int i = 0; i < files.size(); i++) {
            BufferedImage img = decode(files.get(i));
            if (h < 0) {
                h = img.getHeight();
                w = img.getWidth();
                sized = files.get(i);
            }
            if (img.getHeight() != h || img.getWidth() != w) {
                // which of the two is the odd one out cannot be told from two images: both are named
                throw new UserError("images differ in size: " + sized + " is " + w + "×" + h + ", " + files.get(i)
                        + " is " + img.getWidth() + "×" + img.getHeight() + "; every image must have the same size");
            }
            if (pixels == null) {
                long bytes = (long) files.size() * 3 * h * w;
                if (bytes > MAX_BYTES) {
                    throw new UserError(String.format(Locale.ROOT, "%s: %d images of 3×%d×%d pixels are %.1f GB, more"
                            + " than the 2 GB one split may hold in memory; use fewer or smaller images", split,
                            files.size(), h, w, bytes / 1e9));
                }
                pixels = new byte[(int) bytes];
            }
            int base = i * 3 * h * w;
            // a grayscale image's stored value v is the pixel (R = G = B = v, as PIL and torchvision read it);
            // getRGB would convert it from linear gray to sRGB (80 would read as 152)
            java.awt.image.Raster gray = img.getColorModel().getColorSpace().getType() == java.awt.color.ColorSpace.TYPE_GRAY
                    && img.getColorModel().getNumColorComponents() == 1 ? img.getRaster() : null;
            int shift = gray == null ? 0 : Math.max(0, img.getColorModel().getComponentSize(0) - 8);
            for (int r = 0; r < h; r++) {
                for (int c = 0; c < w; c++) {
                    int o = r * w + c;
                    if (gray != null) {
                        byte v = (byte) (gray.getSample(c, r, 0) >> shift);
                        pixels[base + o] = v;
                        pixels[base + h * w + o] = v;
                        pixels[base + 2 * h * w + o] = v;
                    } else {
                        int rgb = img.getRGB(c, r);
                        pixels[base + o] = (byte) (rgb >> 16);
                        pixels[base + h * w + o] = (byte) (rgb >> 8);
                        pixels[base + 2 * h * w + o] = (byte) rgb;
                    }
                }
            }
        }
        return new ImageData(pixels, labels.stream().mapToInt(Integer::intValue).toArray(), 3, h, w, classes.size());
    }

    /** The most pixel bytes of one split: a Java array's limit. */
    static long MAX_BYTES = Integer.MAX_VALUE - 8;

    private static boolean isImage(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        // hidden files are not images of the set: macOS's ._name.png resource forks, editors' .name.png backups
        return Files.isRegularFile(p) && !n.startsWith(".") && READ.stream().anyMatch(n::endsWith);
    }

    private static BufferedImage decode(Path f) {
        try {
            BufferedImage img = ImageIO.read(f.toFile());
            if (img == null) {
                throw new UserError("cannot decode image " + f);
            }
            return img;
        } catch (IOException e) {
            throw new UserError("cannot read image " + f + ": " + IoErrors.reason(e));
        }
    }
}
