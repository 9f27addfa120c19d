package org.syncsuite.client;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/** Where the sync gateway is and the token to show it; {@code expiresAt} when the app knows it. */
public record PowerSyncCredentials(String endpoint, String token, Optional<Instant> expiresAt) {

    public PowerSyncCredentials {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(token, "token");
        if (endpoint.endsWith("/")) {
            endpoint = endpoint.substring(0, endpoint.length() - 1);
        }
    }

    public PowerSyncCredentials(String endpoint, String token) {
        this(endpoint, token, Optional.empty());
    }
}
