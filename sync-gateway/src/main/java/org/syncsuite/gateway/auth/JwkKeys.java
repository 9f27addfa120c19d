package org.syncsuite.gateway.auth;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

import javax.crypto.spec.SecretKeySpec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.syncsuite.core.ErrorCode;
import org.syncsuite.core.SyncException;

/**
 * Reads JSON Web Keys (RFC 7517) into verification keys with the JDK's own providers: RSA
 * ({@code n}, {@code e}), EC on P-256, P-384 and P-521 ({@code x}, {@code y}), OKP Ed25519 and
 * Ed448 ({@code x}), and symmetric {@code oct} keys ({@code k}).
 */
final class JwkKeys {

    private static final ObjectMapper JSON = new ObjectMapper();
    // DER prefixes of an X.509 SubjectPublicKeyInfo holding an Ed25519 or Ed448 key.
    private static final byte[] ED25519_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");
    private static final byte[] ED448_PREFIX = HexFormat.of().parseHex("3043300506032b6571033a00");

    private JwkKeys() {
    }

    /**
     * The keys of a key set ({@code {"keys":[...]}}). {@code allowSymmetric} is false for key sets
     * fetched from a URI, whose {@code oct} keys are ignored; keys meant for something other than
     * verifying signatures ({@code use}, {@code key_ops}) are skipped.
     */
    static List<TokenKey> parseSet(String json, boolean allowSymmetric, String origin) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (java.io.IOException e) {
            throw new SyncException(ErrorCode.AUTH_JWKS_UNAVAILABLE, "The key set from " + origin + " is not JSON: "
                    + e.getMessage());
        }
        JsonNode keys = root == null ? null : root.get("keys");
        if (keys == null || !keys.isArray()) {
            throw new SyncException(ErrorCode.AUTH_JWKS_UNAVAILABLE, "The key set from " + origin + " has no \"keys\" array");
        }
        List<TokenKey> result = new ArrayList<>();
        for (JsonNode jwk : keys) {
            String kty = text(jwk, "kty").orElse("");
            if (kty.equals("oct") && !allowSymmetric) {
                continue;
            }
            if (jwk.has("use") && !"sig".equals(jwk.get("use").asText())) {
                continue;
            }
            if (jwk.has("key_ops") && !containsText(jwk.get("key_ops"), "verify")) {
                continue;
            }
            result.add(parse(jwk, origin));
        }
        return result;
    }

    /** One key; an unknown type or a malformed key is a configuration error naming {@code origin}. */
    static TokenKey parse(JsonNode jwk, String origin) {
        Optional<String> kid = text(jwk, "kid");
        Optional<String> alg = text(jwk, "alg");
        String kty = text(jwk, "kty").orElse("");
        String where = "key " + kid.map(id -> "'" + id + "' ").orElse("") + "in " + origin;
        try {
            TokenKey key = switch (kty) {
                case "RSA" -> {
                    RSAPublicKeySpec spec = new RSAPublicKeySpec(unsigned(required(jwk, "n", where)),
                            unsigned(required(jwk, "e", where)));
                    yield new TokenKey(kid, TokenKey.Family.RSA, alg, KeyFactory.getInstance("RSA").generatePublic(spec),
                            Optional.empty(), TokenKey.DEFAULT_MAX_LIFETIME);
                }
                case "EC" -> {
                    String curve = switch (text(jwk, "crv").orElse("")) {
                        case "P-256" -> "secp256r1";
                        case "P-384" -> "secp384r1";
                        case "P-521" -> "secp521r1";
                        default -> throw new SyncException(ErrorCode.SERVICE_CONFIG_INVALID,
                                "Unsupported EC curve '" + text(jwk, "crv").orElse("") + "' of " + where);
                    };
                    AlgorithmParameters parameters = AlgorithmParameters.getInstance("EC");
                    parameters.init(new ECGenParameterSpec(curve));
                    ECPublicKeySpec spec = new ECPublicKeySpec(new ECPoint(unsigned(required(jwk, "x", where)),
                            unsigned(required(jwk, "y", where))), parameters.getParameterSpec(ECParameterSpec.class));
                    yield new TokenKey(kid, TokenKey.Family.EC, alg, KeyFactory.getInstance("EC").generatePublic(spec),
                            Optional.empty(), TokenKey.DEFAULT_MAX_LIFETIME);
                }
                case "OKP" -> {
                    String curve = text(jwk, "crv").orElse("");
                    byte[] prefix = switch (curve) {
                        case "Ed25519" -> ED25519_PREFIX;
                        case "Ed448" -> ED448_PREFIX;
                        default -> throw new SyncException(ErrorCode.SERVICE_CONFIG_INVALID,
                                "Unsupported OKP curve '" + curve + "' of " + where);
                    };
                    byte[] x = required(jwk, "x", where);
                    byte[] der = new byte[prefix.length + x.length];
                    System.arraycopy(prefix, 0, der, 0, prefix.length);
                    System.arraycopy(x, 0, der, prefix.length, x.length);
                    yield new TokenKey(kid, TokenKey.Family.OKP, alg.or(() -> Optional.of("EdDSA")),
                            KeyFactory.getInstance(curve).generatePublic(new X509EncodedKeySpec(der)),
                            Optional.empty(), TokenKey.DEFAULT_MAX_LIFETIME);
                }
                case "oct" -> hmac(kid, alg, required(jwk, "k", where), Optional.empty(), TokenKey.DEFAULT_MAX_LIFETIME);
                default -> throw new SyncException(ErrorCode.SERVICE_CONFIG_INVALID,
                        "Unsupported key type '" + kty + "' of " + where + " (RSA, EC, OKP and oct are supported)");
            };
            return key;
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new SyncException(ErrorCode.SERVICE_CONFIG_INVALID, "The " + where + " is not a valid key: " + e.getMessage(), e);
        }
    }

    /** The static HS256 key of {@code supabase_jwt_secret}: any kid, audience {@code authenticated}. */
    static TokenKey supabaseSecret(String secret) {
        return hmac(Optional.empty(), Optional.of("HS256"), secret.getBytes(StandardCharsets.UTF_8),
                Optional.of(List.of("authenticated")), TokenKey.SUPABASE_MAX_LIFETIME);
    }

    private static TokenKey hmac(Optional<String> kid, Optional<String> alg, byte[] secret, Optional<List<String>> audiences,
                                 long maxLifetime) {
        if (secret.length == 0) {
            throw new IllegalArgumentException("an HMAC secret may not be empty");
        }
        return new TokenKey(kid, TokenKey.Family.HMAC, alg, new SecretKeySpec(secret, "HmacSHA256"), audiences, maxLifetime);
    }

    private static byte[] required(JsonNode jwk, String field, String where) {
        return text(jwk, field).map(value -> Base64.getUrlDecoder().decode(value))
                .orElseThrow(() -> new SyncException(ErrorCode.SERVICE_CONFIG_INVALID,
                        "The " + where + " has no '" + field + "'"));
    }

    private static BigInteger unsigned(byte[] bytes) {
        return new BigInteger(1, bytes);
    }

    private static Optional<String> text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value != null && value.isTextual() ? Optional.of(value.asText()) : Optional.empty();
    }

    private static boolean containsText(JsonNode array, String text) {
        if (array.isArray()) {
            for (JsonNode item : array) {
                if (text.equals(item.asText())) {
                    return true;
                }
            }
        }
        return false;
    }
}
