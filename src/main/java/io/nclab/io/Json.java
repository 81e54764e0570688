package io.nclab.io;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import java.io.IOException;
import java.nio.file.Path;

/** The one Jackson mapper nclab uses, for one-line JSON results and pretty config files. */
public final class Json {
    private Json() {}

    public static final ObjectMapper MAPPER = new ObjectMapper();

    /**
     * Writes NaN and ±infinity as JSON null ("undefined here"): what a {@code --json} result line shows,
     * so that a field that is normally a number never turns into a string. Files that nclab reads back
     * (checkpoint state, probe logs) keep Jackson's "NaN" instead, which round-trips to a double.
     */
    private static final ObjectMapper RESULTS = MAPPER.copy().registerModule(new SimpleModule("non-finite-as-null")
            .addSerializer(Double.class, new NonFiniteAsNull())
            .addSerializer(Double.TYPE, new NonFiniteAsNull()));

    private static final class NonFiniteAsNull extends StdSerializer<Double> {
        NonFiniteAsNull() {
            super(Double.class);
        }

        @Override
        public void serialize(Double v, JsonGenerator gen, SerializerProvider provider) throws IOException {
            if (Double.isFinite(v)) {
                gen.writeNumber(v);
            } else {
                gen.writeNull();
            }
        }
    }

    /** One line of JSON, as nclab writes records to its own files (non-finite numbers as "NaN"). */
    public static String line(Object value) {
        return write(MAPPER, value);
    }

    /**
     * One line of JSON, as the {@code --json} flag prints it last on standard output: non-finite
     * numbers are null.
     */
    public static String result(Object value) {
        return write(RESULTS, value);
    }

    private static String write(ObjectMapper mapper, Object value) {
        try {
            return mapper.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + value, e);
        }
    }

    public static String pretty(Object value) {
        return pretty(MAPPER, value);
    }

    private static String pretty(ObjectMapper mapper, Object value) {
        try {
            return mapper.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(value) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + value, e);
        }
    }

    public static void writePretty(Path target, Object value) {
        AtomicFiles.writeString(target, pretty(value));
    }

    /** A result file for readers (a run's result.json): indented, with non-finite numbers as null as in {@link #result}. */
    public static void writeResult(Path target, Object value) {
        AtomicFiles.writeString(target, pretty(RESULTS, value));
    }
}
