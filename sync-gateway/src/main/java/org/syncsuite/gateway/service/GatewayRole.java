package org.syncsuite.gateway.service;

import java.util.Locale;

import org.syncsuite.core.ErrorCode;
import org.syncsuite.core.SyncException;

/**
 * What a gateway process does ({@code gateway.role}, or PowerSync's {@code PS_RUNNER_TYPE}):
 * {@code unified} both roles, {@code api} only the client protocol, {@code writer} (PowerSync's
 * {@code sync}) only bucket computation.
 */
public enum GatewayRole {
    UNIFIED, API, WRITER;

    public boolean writes() {
        return this != API;
    }

    public boolean serves() {
        return this != WRITER;
    }

    public static GatewayRole of(String value) {
        return switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "", "unified" -> UNIFIED;
            case "api" -> API;
            case "writer", "sync" -> WRITER;
            default -> throw new SyncException(ErrorCode.SERVICE_CONFIG_INVALID, "gateway.role must be unified, api or writer, not '"
                    + value + "'");
        };
    }
}
