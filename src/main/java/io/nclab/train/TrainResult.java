package io.nclab.train;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a training run reports: the best validation accuracy and the test accuracy of that model (as the
 * losses paper reports it), the last probe's training accuracy and NC metrics, and every probe row.
 */
public record TrainResult(Path runDir, int epochs, double seconds, double bestValAccuracy, int bestEpoch,
        double testAccuracy, double finalTrainAccuracy, Map<String, Double> finalCollapse,
        List<Map<String, Object>> rows) {

    private double nc(String key) {
        return finalCollapse.getOrDefault(key, Double.NaN);
    }

    /** The --json line: the fields first, then the rest of the last probe's collapse metrics. */
    public Map<String, Object> summary() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("best_val_accuracy", bestValAccuracy);
        m.put("test_accuracy", testAccuracy);
        m.put("best_epoch", bestEpoch);
        m.put("final_train_accuracy", finalTrainAccuracy);
        m.put("final_nc1", nc("nc1"));
        m.put("final_nc2", nc("nc2"));
        m.put("final_nc3", nc("nc3"));
        m.put("final_nc4", nc("nc4"));
        m.put("epochs", epochs);
        m.put("seconds", seconds);
        m.put("run_dir", runDir.toString());
        finalCollapse.forEach((k, v) -> m.putIfAbsent("final_" + k, v));
        return m;
    }
}
