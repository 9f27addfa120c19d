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
        try {
            com.fasterxml.jackson.databind.JsonNode keys = JSON.readTree(jwksJson).path("keys");
            for (com.fasterxml.jackson.databind.JsonNode key : keys) {
                String alg = key.path("alg").asText("HS256");
                if ("oct".equals(key.path("kty").asText()) && alg.equals("HS256") && key.hasNonNull("k")) {
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

    /** An HS256 key: its id, if any, and its secret. */
    public record Key(Optional<String> kid, byte[] secret) {
    }
}
