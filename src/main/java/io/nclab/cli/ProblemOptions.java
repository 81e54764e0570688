package io.nclab.cli;

import io.nclab.loss.LossSpec;
import io.nclab.ufm.UfmProblem;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** The UFM problem's options, shared by the commands that take a problem (a picocli mixin). */
public final class ProblemOptions {

    @Option(names = "--loss", required = true, description = "the loss: " + LossSpec.ACCEPTED)
    String loss;

    @Option(names = "--classes", defaultValue = "4", description = "K (default ${DEFAULT-VALUE})")
    int classes;

    @Option(names = "--dim", defaultValue = "8", description = "feature dimension d (default ${DEFAULT-VALUE})")
    int dim;

    @Option(names = "--per-class", defaultValue = "3", description = "samples per class n (default ${DEFAULT-VALUE})")
    int perClass;

    @Option(names = "--lambda-w", defaultValue = "5e-3", description = "weight decay on W (default ${DEFAULT-VALUE})")
    double lambdaW;

    @Option(names = "--lambda-h", defaultValue = "5e-3", description = "weight decay on H (default ${DEFAULT-VALUE})")
    double lambdaH;

    @Option(names = "--lambda-b", defaultValue = "5e-3", description = "weight decay on b (default ${DEFAULT-VALUE})")
    double lambdaB;

    @Option(names = "--bias", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "whether b is a variable (--no-bias: b = 0; default ${DEFAULT-VALUE})")
    boolean bias;

    public UfmProblem problem() {
        return UfmProblem.balanced(LossSpec.parse(loss), classes, dim, perClass, lambdaW, lambdaH, lambdaB, bias);
    }

    /** The settings as config.json and --json name them. */
    public Map<String, Object> settings() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("loss", LossSpec.parse(loss).spec());
        m.put("classes", classes);
        m.put("dim", dim);
        m.put("per_class", perClass);
        m.put("lambda_w", lambdaW);
        m.put("lambda_h", lambdaH);
        m.put("lambda_b", lambdaB);
        m.put("bias", bias);
        return m;
    }
}
