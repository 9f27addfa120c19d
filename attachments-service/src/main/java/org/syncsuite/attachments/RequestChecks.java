package org.syncsuite.attachments;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.PreMatching;
import jakarta.ws.rs.ext.Provider;

/**
 * Checks made on every request before routing and before MicroProfile JWT reads the token,
 * each refusing with the service's JSON error.
 */
final class RequestChecks {

    /** Seconds of clock skew allowed, as the gateway allows. */
    static final long CLOCK_SKEW = 60;
    /** Seconds an {@link java.time.Instant} can hold: Helidon's JWT reads {@code exp} and {@code iat} into one. */
    private static final long INSTANT_SECONDS = 31_556_889_864_403_199L;
    private static final ObjectMapper JSON = new ObjectMapper();

    static {
        JSON.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(32).build());
    }

    private RequestChecks() {
    }

    /**
     * A body whose framing two parties could read differently (RFC 9112 §6.3), both
     * {@code Content-Length} and {@code Transfer-Encoding} or lengths that differ, would let a
     * request hide in another behind a proxy; a negative length would be read into an
     * {@code ArrayIndexOutOfBoundsException} by the server. All are 400 {@code INVALID_LENGTH}.
     */
    @Provider
    @PreMatching
    public static final class Framing implements ContainerRequestFilter {
        @Override
        public void filter(ContainerRequestContext request) {
            List<String> lengths = request.getHeaders().getOrDefault("Content-Length", List.of());
            String refusal = null;
            if (!lengths.isEmpty() && request.getHeaders().containsKey("Transfer-Encoding")) {
                refusal = "A request has Content-Length or Transfer-Encoding, not both";
            } else if (lengths.stream().flatMap(v -> java.util.Arrays.stream(v.split(","))).map(String::strip).distinct().count() > 1) {
                refusal = "The request has several Content-Length values that differ";
            } else if (!lengths.isEmpty() && !lengths.getFirst().strip().matches("\\d{1,18}")) {
                refusal = "Content-Length is not a number of bytes: " + shorten(lengths.getFirst());
            }
            if (refusal != null) {
                request.abortWith(ServiceError.json(400, "INVALID_LENGTH", refusal));
            }
        }
    }

    /**
     * A client token's times out of any calendar ({@code exp} of 2^63) would throw out of
     * Helidon's JWT parser as a 500: refused as 401 before it reads them.
     */
    @Provider
    @PreMatching
    public static final class TokenTimes implements ContainerRequestFilter {
        @Override
        public void filter(ContainerRequestContext request) {
            String header = request.getHeaderString("Authorization");
            if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
                return;
            }
            claims(header.substring(7).strip()).ifPresent(claims -> {
                for (String name : List.of("exp", "iat", "nbf")) {
                    JsonNode value = claims.get(name);
                    if (value != null && value.isNumber()
                            && (!value.canConvertToLong() || Math.abs(value.asLong()) > INSTANT_SECONDS)) {
                        request.abortWith(ServiceError.unauthorized("The token's \"" + name + "\" is out of range").response());
                        return;
                    }
                }
            });
        }
    }

    /**
     * Why a verified token's times refuse it, as the gateway refuses it (PowerSync's rules, which
     * MicroProfile JWT does not check): not valid before {@code nbf} or issued in the future
     * ({@code iat}), beyond 60 s of skew; living longer than {@code maxLifetime} seconds.
     */
    static Optional<String> timesRefuse(String rawToken, long now, long maxLifetime) {
        Optional<JsonNode> parsed = claims(rawToken);
        if (parsed.isEmpty()) {
            return Optional.of("The token's claims cannot be read");
        }
        JsonNode claims = parsed.get();
        JsonNode nbf = claims.get("nbf");
        if (nbf != null && nbf.isNumber() && nbf.asLong() > now + CLOCK_SKEW) {
            return Optional.of("The token is not valid yet (nbf " + nbf.asLong() + ")");
        }
        JsonNode iat = claims.get("iat");
        JsonNode exp = claims.get("exp");
        if (iat == null || !iat.isNumber() || exp == null || !exp.isNumber()) {
            return Optional.of("The token needs numeric \"iat\" and \"exp\" claims");
        }
        if (iat.asLong() > now + CLOCK_SKEW) {
            return Optional.of("The token is not valid yet (iat " + iat.asLong() + ")");
        }
        long lifetime;
        try {
            lifetime = Math.subtractExact(exp.asLong(), iat.asLong());
        } catch (ArithmeticException e) {
            lifetime = Long.MAX_VALUE;
        }
        if (lifetime > maxLifetime) {
            return Optional.of("Token lifetime too long: at most " + maxLifetime + " s between iat and exp is accepted");
        }
        return Optional.empty();
    }

    /** The claims of a compact JWS, unverified; empty when they are not a JSON object. */
    private static Optional<JsonNode> claims(String token) {
        String[] parts = token.split("\\.", -1);
        if (parts.length != 3) {
            return Optional.empty();
        }
        try {
            JsonNode node = JSON.readTree(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8));
            return node != null && node.isObject() ? Optional.of(node) : Optional.empty();
        } catch (IOException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static String shorten(String text) {
        return text.length() > 40 ? text.substring(0, 40) + "..." : text;
    }
}
