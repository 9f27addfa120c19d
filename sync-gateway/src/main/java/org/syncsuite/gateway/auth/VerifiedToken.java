package org.syncsuite.gateway.auth;

import java.time.Instant;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A client token that passed every check: its user ({@code sub} as text), its whole payload (what
 * {@code auth.parameter(...)} and {@code request.jwt()} read), and when it expires.
 */
public record VerifiedToken(String userId, JsonNode claims, Instant expiresAt) {
}
