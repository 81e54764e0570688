package io.nclab.train;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.core.type.TypeReference;
import io.nclab.UserError;
import io.nclab.io.AtomicFiles;
import io.nclab.io.IoErrors;
import io.nclab.io.Json;
import io.nclab.model.Network;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Checkpoints of a run under {@code RUN/checkpoints/epoch-NNNN/}: the model's parameters (with batch-norm
 * running statistics), the optimiser's state, and {@code state.json} with the epoch, the best-validation
 * bookkeeping and the probe rows so far. Every random choice of a run is drawn from (seed, purpose,
 * epoch), so the epoch is the whole RNG state. A checkpoint is written to a temporary folder and renamed
 * into place, so it exists whole or not at all; only the newest {@code keep} are retained.
 */
final class Checkpoints {
    static final String MODEL = "model.params";
    static final String OPTIMIZER = "optimizer.ndlist";
    static final String STATE = "state.json";

    private final Path dir;
    private final int keep;

    Checkpoints(Path runDir, int keep) {
        this.dir = runDir.resolve("checkpoints");
        this.keep = keep;
    }

    /**
     * The run's position and history, as {@code state.json} holds it, and the settings its epochs so far were trained
     * with ({@link Trainer#trainedWith}; null in checkpoints of nclab before they were kept).
     */
    record State(int epoch, double bestValAccuracy, int bestEpoch, double testAtBest,
            List<Map<String, Object>> rows, List<Map<String, Object>> timing, Map<String, Object> settings) {}

    /**
     * Writes checkpoint {@code epoch-NNNN} (model, optimiser state, then {@code state.json}) and drops the oldest past
     * {@code keep}. {@code beforeState} runs once the model and optimiser state are written, just before the state is:
     * what it changes in the state's rows is saved with them.
     */
    void save(State state, Runnable beforeState, Network net, Optimizer optimizer, NDManager manager) {
        String name = String.format("epoch-%04d", state.epoch());
        Path target = dir.resolve(name);
        Path tmp = dir.resolve("." + name + ".tmp");
        try {
            deleteTree(tmp);
            Files.createDirectories(tmp);
            saveModel(tmp.resolve(MODEL), net);
            try (NDManager scope = manager.newSubManager()) {
                NDList opt = optimizer.state(scope);
                // streamed array by array: one byte[] of the whole state passed Java's 2 GB array limit (Adam's
                // moments of a network of 268 M parameters crashed the first checkpoint)
                AtomicFiles.write(tmp.resolve(OPTIMIZER), opt::encode);
            }
            beforeState.run();
            Json.writePretty(tmp.resolve(STATE), state);
            deleteTree(target);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target);
            }
            List<Path> all = list();
            for (int i = 0; i + keep < all.size(); i++) {
                deleteTree(all.get(i));
            }
        } catch (IOException e) {
            throw new UserError("cannot write checkpoint " + target + ": " + IoErrors.reason(e), e);
        }
    }

    static void saveModel(Path file, Network net) {
        AtomicFiles.write(file, out -> {
            DataOutputStream d = new DataOutputStream(out);
            net.save(d);
            d.flush();
        });
    }

    /** The checkpoints, oldest first. */
    List<Path> list() {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().matches("epoch-\\d{4,9}") && Files.isDirectory(p))
                    // by number: epoch-10000 comes after epoch-9999, though not as a string
                    .sorted(Comparator.comparingLong(p -> Long.parseLong(p.getFileName().toString().substring(6))))
                    .toList();
        } catch (IOException e) {
            throw new UserError("cannot list " + dir + ": " + IoErrors.reason(e));
        }
    }

    /**
     * The settings the newest checkpoint whose state can be read was trained with (null where none keeps them): read
     * before any weights are, so that a setting edited in config.json is named as such rather than reported as a
     * checkpoint that does not fit the network.
     */
    Map<String, Object> latestSettings() {
        List<Path> all = list();
        for (int i = all.size() - 1; i >= 0; i--) {
            try {
                State s = Json.MAPPER.readValue(all.get(i).resolve(STATE).toFile(), new TypeReference<State>() {});
                return s.settings();
            } catch (IOException | RuntimeException unreadable) {
                // a damaged state: restoring reports it, and the checkpoint before it is tried
            }
        }
        return null;
    }

    /** Loads the newest checkpoint into the network and optimiser; null when there is none. */
    State restoreLatest(Network net, Optimizer optimizer, NDManager manager) {
        List<Path> all = list();
        if (all.isEmpty()) {
            return null;
        }
        Path c = all.get(all.size() - 1);
        // a kill cannot leave a damaged checkpoint (its files are renamed into place whole); a full disk or a copy can
        String advice = all.size() > 1 ? "; delete that folder to resume from the one before it ("
                + all.get(all.size() - 2).getFileName() + ")" : "; it is the run's only checkpoint";
        Path file = c.resolve(MODEL);
        try {
            try (InputStream in = Files.newInputStream(file)) {
                net.load(manager, new DataInputStream(new java.io.BufferedInputStream(in)));
            }
            file = c.resolve(OPTIMIZER);
            try (NDManager scope = manager.newSubManager()) {
                // a stateless optimiser (L-BFGS, SGD without momentum) saved an empty list, which DJL encodes
                // as its count alone and then refuses to decode; anything else is read as a stream (it may pass
                // 2 GB)
                if (isEmptyList(file)) {
                    optimizer.restore(new NDList());
                } else {
                    try (InputStream in = new java.io.BufferedInputStream(Files.newInputStream(file), 1 << 20)) {
                        optimizer.restore(NDList.decode(scope, in));
                    }
                }
            }
            file = c.resolve(STATE);
            State s = Json.MAPPER.readValue(file.toFile(), new TypeReference<State>() {});
            long number = Long.parseLong(c.getFileName().toString().substring("epoch-".length()));
            if (s.epoch() != number || s.bestEpoch() > s.epoch() || s.rows() == null || s.timing() == null) {
                throw new UserError("cannot resume from checkpoint " + c + ": " + STATE + " does not describe it (epoch "
                        + s.epoch() + ", best epoch " + s.bestEpoch() + ")" + advice);
            }
            return new State(s.epoch(), s.bestValAccuracy(), s.bestEpoch(), s.testAtBest(), numbers(s.rows()),
                    numbers(s.timing()), s.settings());
        } catch (IOException e) {
            throw new UserError("cannot resume from checkpoint " + c + ": " + file.getFileName() + ": "
                    + IoErrors.reason(e) + advice, e);
        } catch (IllegalArgumentException | IndexOutOfBoundsException | java.nio.BufferUnderflowException e) {
            // what DJL's decoders throw on a truncated or garbled file
            throw new UserError("cannot resume from checkpoint " + c + ": " + file.getFileName() + " is damaged ("
                    + e.getMessage() + ")" + advice, e);
        }
    }

    /** Whether {@code file} holds {@link NDList#encode()} of an empty list: the count 0 alone. */
    static boolean isEmptyList(Path file) throws IOException {
        byte[] empty = new NDList().encode();
        return Files.size(file) == empty.length && java.util.Arrays.equals(Files.readAllBytes(file), empty);
    }

    /**
     * Rows as they were saved: the state's JSON keeps an undefined number as the string "NaN" (so that it
     * round-trips), which is a number again here, not a string that a resumed run would write back out.
     */
    private static List<Map<String, Object>> numbers(List<Map<String, Object>> rows) {
        List<Map<String, Object>> out = new java.util.ArrayList<>();
        for (Map<String, Object> r : rows) {
            Map<String, Object> row = new java.util.LinkedHashMap<>();
            r.forEach((k, v) -> row.put(k, v instanceof String t && (t.equals("NaN") || t.equals("Infinity")
                    || t.equals("-Infinity")) ? Double.valueOf(t) : v));
            out.add(row);
        }
        return out;
    }

    /** Deletes a directory tree as far as it can (cleaning up after a failed start). */
    static void deleteQuietly(Path p) {
        try {
            deleteTree(p);
        } catch (IOException | RuntimeException e) {
            // what is left is harmless: a later run there says what it finds
        }
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }
}
