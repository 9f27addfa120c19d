package org.syncsuite.cli;

import java.io.PrintWriter;
import java.util.Locale;

import com.fasterxml.jackson.databind.JsonNode;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/** The {@code --output} formats: {@code human} (the default), {@code json} and {@code yaml}. */
enum Output {
    HUMAN, JSON, YAML;

    /** Converts picocli's text to a format, whatever its case. */
    static final class Converter implements picocli.CommandLine.ITypeConverter<Output> {
        @Override
        public Output convert(String value) {
            try {
                return Output.valueOf(value.strip().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException("--output must be human, json or yaml, not '" + value + "'");
            }
        }
    }

    /** Prints {@code value} as JSON or YAML; {@code human} is the caller's to print. */
    void print(PrintWriter out, JsonNode value) {
        if (this == YAML) {
            DumperOptions options = new DumperOptions();
            options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
            options.setIndicatorIndent(0);
            Object plain = AdminClient.JSON.convertValue(value, Object.class);
            out.print(new Yaml(options).dump(plain));
        } else {
            try {
                out.println(AdminClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(value));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
        out.flush();
    }
}
