package org.syncsuite.core.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;

/** Development tokens: key selection in a JWKS, their claims, and a signature that verifies. */
class Hs256TokensTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String JWKS = """
            {"keys": [
              {"kty": "RSA", "kid": "rsa", "n": "abc", "e": "AQAB"},
              {"kty": "oct", "alg": "HS256", "kid": "one", "k": "b25lLXNlY3JldA"},
              {"kty": "oct", "kid": "two", "k": "dHdvLXNlY3JldA=="}
            ]}""";

    @Test
    void choosesTheFirstHs256KeyOrTheOneWithTheKid() {
        Hs256Tokens.Key first = Hs256Tokens.firstKey(JWKS).orElseThrow();
        assertThat(first.kid()).hasValue("one");
        assertThat(new String(first.secret(), StandardCharsets.UTF_8)).isEqualTo("one-secret");
        Hs256Tokens.Key two = Hs256Tokens.key(JWKS, Optional.of("two")).orElseThrow();
        assertThat(new String(two.secret(), StandardCharsets.UTF_8)).isEqualTo("two-secret");
        assertThat(Hs256Tokens.key(JWKS, Optional.of("rsa"))).isEmpty();
        assertThat(Hs256Tokens.firstKey("{\"keys\": []}")).isEmpty();
        assertThat(Hs256Tokens.firstKey("not json")).isEmpty();
    }

    @Test
    void devTokensCarryTheClaimsAndASignatureThatVerifies() throws Exception {
        Hs256Tokens.Key key = Hs256Tokens.firstKey(JWKS).orElseThrow();
        Instant now = Instant.ofEpochSecond(1_700_000_000);
        String token = Hs256Tokens.devToken(key, "u1", List.of("powersync"), "powersync-cli", now, 600);
        String[] parts = token.split("\\.");
        JsonNode header = JSON.readTree(Base64.getUrlDecoder().decode(parts[0]));
        JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
        assertThat(header.get("alg").asText()).isEqualTo("HS256");
        assertThat(header.get("kid").asText()).isEqualTo("one");
        assertThat(claims.get("sub").asText()).isEqualTo("u1");
        assertThat(claims.get("aud").asText()).isEqualTo("powersync");
        assertThat(claims.get("iat").asLong()).isEqualTo(1_700_000_000L);
        assertThat(claims.get("exp").asLong()).isEqualTo(1_700_000_600L);
        assertThat(claims.get("iss").asText()).isEqualTo("powersync-cli");
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec("one-secret".getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        byte[] expected = mac.doFinal((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
        assertThat(Base64.getUrlDecoder().decode(parts[2])).isEqualTo(expected);
        JsonNode several = JSON.readTree(Base64.getUrlDecoder().decode(Hs256Tokens.devToken(key, "u1", List.of("a", "b"),
                "x", now, 1).split("\\.")[1]));
        assertThat(several.get("aud").toString()).isEqualTo("[\"a\",\"b\"]");
        JsonNode none = JSON.readTree(Base64.getUrlDecoder().decode(Hs256Tokens.devToken(key, "u1", List.of(), "x", now, 1)
                .split("\\.")[1]));
        assertThat(none.has("aud")).isFalse();
    }
}
