package io.nclab.cli;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Installs Debian's {@code dataset-fashion-mnist} package when the main job needs it and this process
 * may (root on a machine with apt-get); otherwise the caller asks the user to.
 */
final class DatasetInstaller {
    private DatasetInstaller() {}

    static boolean fashionMnistPresent(Path dir) {
        return Files.isRegularFile(dir.resolve("train-images-idx3-ubyte.gz"))
                || Files.isRegularFile(dir.resolve("train-images-idx3-ubyte"));
    }

    /** Tries to install the package; true if the files are there afterwards. */
    static boolean installFashionMnist(Path dir) {
        if (!"root".equals(System.getProperty("user.name")) || !new File("/usr/bin/apt-get").canExecute()) {
            return false;
        }
        System.err.println("nclab: Fashion-MNIST is missing; installing Debian's dataset-fashion-mnist with apt-get ...");
        if (!run(List.of("apt-get", "install", "-y", "-qq", "dataset-fashion-mnist"))) {
            run(List.of("apt-get", "update", "-qq"));
            run(List.of("apt-get", "install", "-y", "-qq", "dataset-fashion-mnist"));
        }
        return fashionMnistPresent(dir);
    }

    private static boolean run(List<String> command) {
        try {
            Path log = Files.createTempFile("nclab-apt", ".log");
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
            int code = pb.start().waitFor();
            Files.deleteIfExists(log);
            return code == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
