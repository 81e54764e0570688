package io.nclab.cli;

import io.nclab.UserError;
import io.nclab.loss.LossSpec;
import io.nclab.ufm.UfmProblem;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** The options that define a UFM problem, shared by every command that takes one. */
public final class ProblemOptions {

    /** More classes than any UFM command can hold (ufm's own limit on K·N is lower still). */
    static final int MAX_CLASSES = 10_000_000;

    /** The command these options belong to (null when built outside picocli, as tests do). */
    @picocli.CommandLine.Spec(picocli.CommandLine.Spec.Target.MIXEE)
    picocli.CommandLine.Model.CommandSpec command;

    @Option(names = "--loss", defaultValue = "ce", paramLabel = "SPEC",
            description = "Loss: " + LossSpec.ACCEPTED + ". Default: ${DEFAULT-VALUE}.")
    String loss;

    @Option(names = "--classes", paramLabel = "K",
            description = "Number of classes K. Default: 10, or the length of --per-class-list.")
    Integer classes;

    @Option(names = "--dim", defaultValue = "32", paramLabel = "d", description = "Feature dimension d. Default: ${DEFAULT-VALUE}.")
    int dim;

    @Option(names = "--per-class", paramLabel = "n", description = "Samples per class n (balanced). Default: 20.")
    Integer perClass;

    // the label says it all, as --seeds=SEEDS does: picocli renders a split list with a label of its own as
    // "n1,n2,...[,n1,n2,......]", breaking the usage line at its commas
    @Option(names = "--per-class-list", split = ",", paramLabel = "COUNTS", hideParamSyntax = true,
            description = "Samples of each class, comma-separated (e.g. 5,5,20: imbalanced); overrides --per-class.")
    int[] perClassList;

    @Option(names = "--lambda-w", defaultValue = "5e-3", paramLabel = "X", description = "Weight decay on W. Default: ${DEFAULT-VALUE}.")
    double lambdaW;

    @Option(names = "--lambda-h", defaultValue = "5e-3", paramLabel = "X", description = "Weight decay on H. Default: ${DEFAULT-VALUE}.")
    double lambdaH;

    @Option(names = "--lambda-b", paramLabel = "X", description = "Weight decay on b. Default: 5e-3.")
    Double lambdaB;

    static final int PER_CLASS = 20;
    static final double LAMBDA_B = 5e-3;

    @Option(names = "--no-bias", description = "No bias b (b = 0).")
    boolean noBias;

    /** K: as given, else the length of --per-class-list, else 10. */
    public int classes() {
        if (classes != null) {
            return classes;
        }
        return perClassList != null ? perClassList.length : 10;
    }

    public UfmProblem problem() {
        int k = classes();
        if (k < 2) {
            throw new UserError(classes == null && perClassList != null
                    ? "--per-class-list needs at least 2 classes, got " + perClassList.length
                    : "--classes must be at least 2, got " + k);
        }
        if (noBias && lambdaB != null) {
            throw new UserError("--lambda-b decays the bias, and --no-bias removes it: give one");
        }
        var listOption = command == null ? null : command.findOption("--per-class-list");
        if (listOption != null && listOption.originalStringValues().size() > 1) {
            // picocli would append a second list to the first: K and the sizes would silently change
            throw new UserError("--per-class-list is given " + listOption.originalStringValues().size()
                    + " times: give the class sizes once, as n1,n2,...");
        }
        if (perClassList != null && perClass != null) {
            throw new UserError("--per-class and --per-class-list both give the class sizes: give one");
        }
        if (k > MAX_CLASSES) {
            throw new UserError("--classes must be at most " + MAX_CLASSES + ", got " + k);
        }
        int[] counts;
        if (perClassList != null) {
            if (perClassList.length != k) {
                throw new UserError("--per-class-list has " + perClassList.length + " counts but --classes is " + k);
            }
            counts = perClassList;
            for (int c = 0; c < k; c++) {
                if (counts[c] < 1) {
                    throw new UserError("--per-class-list gives class " + c + " " + counts[c] + " sample"
                            + (counts[c] == 1 ? "" : "s") + ": every class needs at least one");
                }
            }
        } else {
            if (perClass != null && perClass < 1) {
                throw new UserError("--per-class must be at least 1, got " + perClass);
            }
            counts = new int[k];
            Arrays.fill(counts, perClass != null ? perClass : PER_CLASS);
        }
        return new UfmProblem(LossSpec.parse(loss), k, dim, counts, lambdaW, lambdaH, lambdaB(), !noBias);
    }

    private double lambdaB() {
        return lambdaB != null ? lambdaB : LAMBDA_B;
    }

    /** The settings as config.json records them. */
    public Map<String, Object> settings() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("loss", LossSpec.parse(loss).spec());
        m.put("classes", classes());
        m.put("dim", dim);
        m.put("per_class", perClassList != null ? perClassList : perClass != null ? perClass : PER_CLASS);
        m.put("lambda_w", lambdaW);
        m.put("lambda_h", lambdaH);
        m.put("lambda_b", noBias ? null : lambdaB()); // no bias, nothing to decay
        m.put("bias", !noBias);
        return m;
    }
}
