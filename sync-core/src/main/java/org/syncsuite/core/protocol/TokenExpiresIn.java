package org.syncsuite.core.protocol;

import org.syncsuite.core.DocumentWriter;

/** {@code token_expires_in}: keepalive, and seconds until the token expires (the stream ends at 0). */
public record TokenExpiresIn(long seconds) implements SyncLine {

    public TokenExpiresIn {
        seconds = Math.max(0, seconds);
    }

    @Override
    public void write(DocumentWriter out, WireOptions options) {
        out.beginObject().name("token_expires_in").value(seconds).endObject();
    }
}
