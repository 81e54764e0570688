package io.nclab.model;

import io.nclab.UserError;
import java.util.Locale;

/** The feature extractors nclab trains, by their CLI names. */
public enum Architecture {
    MLP, RESNET18, WRN50;

    public static final String ACCEPTED = "mlp|resnet18|wrn50";

    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Architecture parse(String name) {
        for (Architecture a : values()) {
            if (a.cliName().equals(name.toLowerCase(Locale.ROOT))) {
                return a;
            }
        }
        throw new UserError("unknown model '" + name + "'; accepted: " + ACCEPTED);
    }
}
