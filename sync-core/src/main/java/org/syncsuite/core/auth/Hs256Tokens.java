package org.syncsuite.core.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.Optional;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.syncsuite.core.JsonMappers;

/**
 * HS256 JSON Web Tokens signed with a shared secret: the development tokens that the CLI, the
 * dashboard and the tests make with an {@code oct} key of a service config's {@code client_auth}.
 * Anyone holding the secret can sign any user's token, so such keys are for development.
 */
public final class Hs256Tokens {

    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final ObjectMapper JSON = JsonMappers.builder().build();

    private Hs256Tokens() {
    }

    /** A token holding exactly {@code claims}, with {@code kid} in its header when given. */
    public static String sign(byte[] secret, Optional<String> kid, ObjectNode claims) {
        ObjectNode header = JSON.createObjectNode().put("alg", "HS256").put("typ", "JWT");
        kid.ifPresent(k -> header.put("kid", k));
        return sign(secret, header.toString(), claims.toString());
    }

    /** A token of the given header and claims JSON texts, signed as they are. */
    public static String sign(byte[] secret, String headerJson, String claimsJson) {
        String signed = B64.encodeToString(headerJson.getBytes(StandardCharsets.UTF_8)) + "."
                + B64.encodeToString(claimsJson.getBytes(StandardCharsets.UTF_8));
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return signed + "." + B64.encodeToString(mac.doFinal(signed.getBytes(StandardCharsets.US_ASCII)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    /** The first HS256 ({@code kty: oct}) key of a JWKS JSON text, if it holds one. */
    public static Optional<Key> firstKey(String jwksJson) {
        return key(jwksJson, Optional.empty());
    }

    /** The HS256 ({@code kty: oct}) key with id {@code kid} of a JWKS JSON text, or its first one without a kid given. */
    public static Optional<Key> key(String jwksJson, Optional<String> kid) {
        try {
            for (com.fasterxml.jackson.databind.JsonNode key : JSON.readTree(jwksJson).path("keys")) {
                String alg = key.path("alg").asText("HS256");
                boolean hs256 = "oct".equals(key.path("kty").asText()) && alg.equals("HS256") && key.hasNonNull("k");
                if (hs256 && (kid.isEmpty() || kid.get().equals(key.path("kid").asText(null)))) {
                    return Optional.of(new Key(key.hasNonNull("kid") ? Optional.of(key.get("kid").asText()) : Optional.empty(),
                            Base64.getUrlDecoder().decode(key.get("k").asText().replace('+', '-').replace('/', '_')
                                    .replace("=", ""))));
                }
            }
            return Optional.empty();
        } catch (java.io.IOException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /**
     * A development token for {@code subject}: issued now by {@code issuer}, valid {@code seconds},
     * for {@code audience} (one value as a string, several as an array, none left out).
     */
    public static String devToken(Key key, String subject, java.util.List<String> audience, String issuer,
                                  java.time.Instant now, long seconds) {
        ObjectNode claims = JSON.createObjectNode();
        claims.put("sub", subject).put("iat", now.getEpochSecond()).put("exp", now.getEpochSecond() + seconds).put("iss", issuer);
        if (audience.size() == 1) {
            claims.put("aud", audience.get(0));
        } else if (!audience.isEmpty()) {
            audience.forEach(claims.putArray("aud")::add);
        }
        return sign(key.secret(), key.kid(), claims);
    }

    /** An HS256 key: its id, if any, and its secret. */
    public record Key(Optional<String> kid, byte[] secret) {
    }
}
