package org.syncsuite.core.protocol;

import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;

import org.syncsuite.core.DocumentWriter;

/** A stream the client is subscribed to, as listed in a checkpoint, with per-subscription errors. */
public record StreamDescription(String name, boolean isDefault, List<StreamError> errors) {

    public StreamDescription {
        Objects.requireNonNull(name, "name");
        errors = List.copyOf(errors);
    }

    /**
     * An error of one subscription to the stream: {@code subscription} is the explicit
     * subscription's index, or empty for the default subscription.
     */
    public record StreamError(OptionalInt subscription, String message) {
        void write(DocumentWriter out) {
            out.beginObject();
            out.name("subscription");
            if (subscription.isPresent()) {
                out.value(subscription.getAsInt());
            } else {
                out.value("default");
            }
            out.name("message").value(message);
            out.endObject();
        }
    }

    void write(DocumentWriter out) {
        out.beginObject();
        out.name("name").value(name);
        out.name("is_default").value(isDefault);
        out.name("errors").beginArray();
        errors.forEach(error -> error.write(out));
        out.endArray();
        out.endObject();
    }
}
