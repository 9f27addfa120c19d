package org.syncsuite.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import com.sun.net.httpserver.HttpServer;

import org.junit.jupiter.api.Test;
import org.syncsuite.core.ErrorCode;
import org.syncsuite.core.SyncException;
import org.syncsuite.core.service.ServiceConfig;

class TokenVerifierTest {

    private static final long NOW = 1_800_000_000L;
    private static final Clock CLOCK = Clock.fixed(Instant.ofEpochSecond(NOW), ZoneOffset.UTC);

    private static TokenVerifier inline(List<String> audience, TestKeys.SigningKey... keys) {
        return TokenVerifier.of(new ServiceConfig.ClientAuth(List.of(), Optional.of(TestKeys.keySet(keys)), audience, false,
                Optional.empty(), List.of()), CLOCK);
    }

    private static String claims(String sub, long iat, long exp) {
        return "{\"sub\":\"" + sub + "\",\"aud\":[\"other\",\"powersync\"],\"iat\":" + iat + ",\"exp\":" + exp
                + ",\"parameters\":{\"team\":\"t1\"}}";
    }

    private static void assertRefused(TokenVerifier verifier, String token, ErrorCode code, String message) {
        assertThatThrownBy(() -> verifier.verify(token)).isInstanceOfSatisfying(SyncException.class, e -> {
            assertThat(e.errorCode()).isEqualTo(code);
            assertThat(e.getMessage()).contains(message);
        });
    }

    @Test
    void verifiesEachAlgorithmFamily() {
        TestKeys.SigningKey rsa = TestKeys.rsa("r1");
        TestKeys.SigningKey ec = TestKeys.ec("e1");
        TestKeys.SigningKey ed = TestKeys.ed25519("d1");
        TestKeys.SigningKey hs = TestKeys.hs256("h1", "a development secret of 32 bytes!");
        TokenVerifier verifier = inline(List.of("powersync"), rsa, ec, ed, hs);
        for (TestKeys.SigningKey key : List.of(rsa, ec, ed, hs)) {
            VerifiedToken token = verifier.verify(key.sign(claims("u-" + key.alg(), NOW - 10, NOW + 3600)));
            assertThat(token.userId()).isEqualTo("u-" + key.alg());
            assertThat(token.expiresAt()).isEqualTo(Instant.ofEpochSecond(NOW + 3600));
            assertThat(token.claims().path("parameters").path("team").asText()).isEqualTo("t1");
        }
    }

    @Test
    void aKidSelectsItsKeyAndKeysWithoutKidAreTriedInTurn() {
        TestKeys.SigningKey first = TestKeys.rsa(null);
        TestKeys.SigningKey second = TestKeys.rsa(null);
        TestKeys.SigningKey named = TestKeys.ec("mine");
        TokenVerifier verifier = inline(List.of("powersync"), first, second, named);
        assertThat(verifier.verify(second.sign(claims("u1", NOW, NOW + 60))).userId()).isEqualTo("u1");
        assertThat(verifier.verify(named.sign(claims("u2", NOW, NOW + 60))).userId()).isEqualTo("u2");
        // a kid nobody has falls back to the keys without one
        TestKeys.SigningKey unknownKid = new TestKeys.SigningKey("RS256", "unknown", first.privateKey(), first.jwk());
        assertThat(verifier.verify(unknownKid.sign(claims("u3", NOW, NOW + 60))).userId()).isEqualTo("u3");
        // the named key only verifies its own algorithm
        TestKeys.SigningKey wrongAlg = new TestKeys.SigningKey("RS256", "mine", first.privateKey(), first.jwk());
        assertRefused(verifier, wrongAlg.sign(claims("u4", NOW, NOW + 60)), ErrorCode.AUTH_FAILED, "no key with kid 'mine'");
    }

    @Test
    void refusesBadTokensWithPowerSyncsCodes() {
        TestKeys.SigningKey key = TestKeys.hs256(null, "the secret the server knows 12345");
        TestKeys.SigningKey impostor = TestKeys.hs256(null, "some other secret the attacker has");
        TokenVerifier verifier = inline(List.of("powersync"), key);

        assertRefused(verifier, impostor.sign(claims("u1", NOW, NOW + 60)), ErrorCode.AUTH_SIGNATURE_INVALID,
                "signature verification failed");
        assertRefused(verifier, key.sign(claims("u1", NOW - 7200, NOW - 3600)), ErrorCode.AUTH_TOKEN_EXPIRED, "expired");
        // within the 60 s of skew an expired token still passes
        assertThat(verifier.verify(key.sign(claims("u1", NOW - 3600, NOW - 30))).userId()).isEqualTo("u1");
        assertRefused(verifier, key.sign(claims("u1", NOW + 600, NOW + 1200)), ErrorCode.AUTH_FAILED, "not valid yet");
        assertRefused(verifier, key.sign("{\"sub\":\"u1\",\"aud\":\"powersync\",\"iat\":" + NOW + ",\"exp\":" + (NOW + 60)
                + ",\"nbf\":" + (NOW + 300) + "}"), ErrorCode.AUTH_FAILED, "not valid yet");
        assertRefused(verifier, key.sign(claims("u1", NOW, NOW + 86_401)), ErrorCode.AUTH_LIFETIME_TOO_LONG, "lifetime");
        assertRefused(verifier, key.sign("{\"sub\":\"u1\",\"aud\":\"elsewhere\",\"iat\":" + NOW + ",\"exp\":" + (NOW + 60) + "}"),
                ErrorCode.AUTH_AUDIENCE_INVALID, "expected one of [powersync]");
        assertRefused(verifier, key.sign("{\"sub\":\"u1\",\"iat\":" + NOW + ",\"exp\":" + (NOW + 60) + "}"),
                ErrorCode.AUTH_AUDIENCE_INVALID, "\"aud\"");
        assertRefused(verifier, key.sign("{\"aud\":\"powersync\",\"iat\":" + NOW + ",\"exp\":" + (NOW + 60) + "}"),
                ErrorCode.AUTH_FAILED, "\"sub\"");
        assertRefused(verifier, key.sign("{\"sub\":\"u1\",\"aud\":\"powersync\",\"iat\":" + NOW + "}"),
                ErrorCode.AUTH_FAILED, "\"exp\"");
        assertRefused(verifier, key.sign("{\"sub\":\"u1\",\"aud\":\"powersync\",\"iat\":" + NOW + ",\"exp\":" + (NOW + 60)
                + ",\"parameters\":[1]}"), ErrorCode.AUTH_FAILED, "\"parameters\"");
        assertRefused(verifier, "not-a-token", ErrorCode.AUTH_FAILED, "not a JWT");
        assertRefused(verifier, "e30.e30.", ErrorCode.AUTH_FAILED, "no algorithm");
    }

    @Test
    void claimsAtTheEdgesOfALongDoNotWrapIntoAValidToken() {
        TestKeys.SigningKey key = TestKeys.hs256(null, "the secret the server knows 12345");
        TokenVerifier verifier = inline(List.of("powersync"), key);
        // exp - iat overflows to a negative lifetime: it used to pass, a token that never expires
        assertRefused(verifier, key.sign("{\"sub\":\"u1\",\"aud\":\"powersync\",\"iat\":-9223372036854775748,\"exp\":"
                + "9223372036854775000}"), ErrorCode.AUTH_LIFETIME_TOO_LONG, "lifetime");
        // exp + 60 overflowed to "expired"; now it is a lifetime beyond a day
        assertRefused(verifier, key.sign(claims("u1", NOW, Long.MAX_VALUE)), ErrorCode.AUTH_LIFETIME_TOO_LONG, "lifetime");
        // asLong() keeps 2^64 + t's low bits, t: refused instead
        assertRefused(verifier, key.sign("{\"sub\":\"u1\",\"aud\":\"powersync\",\"iat\":" + NOW + ",\"exp\":"
                + java.math.BigInteger.TWO.pow(64).add(java.math.BigInteger.valueOf(NOW + 60)) + "}"), ErrorCode.AUTH_FAILED,
                "out of range");
        assertRefused(verifier, key.sign("{\"sub\":\"u1\",\"aud\":\"powersync\",\"iat\":" + NOW + ",\"exp\":1e300}"),
                ErrorCode.AUTH_FAILED, "out of range");
        assertRefused(verifier, key.sign("{\"sub\":\"u1\",\"aud\":\"powersync\",\"iat\":" + NOW + ",\"exp\":" + (NOW + 60)
                + ",\"nbf\":1e300}"), ErrorCode.AUTH_FAILED, "not valid yet");
    }

    @Test
    void refusesTheNoneAlgorithm() {
        TestKeys.SigningKey key = TestKeys.hs256(null, "the secret the server knows 12345");
        TokenVerifier verifier = inline(List.of("powersync"), key);
        String unsigned = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
                "{\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
                        claims("u1", NOW, NOW + 60).getBytes(StandardCharsets.UTF_8)) + ".";
        assertRefused(verifier, unsigned, ErrorCode.AUTH_FAILED, "Unsupported JWT algorithm 'none'");
    }

    @Test
    void supabaseSecretsVerifyHs256TokensForTheAuthenticatedAudience() {
        String secret = "super-secret-jwt-token-with-at-least-32-characters";
        TokenVerifier verifier = TokenVerifier.of(new ServiceConfig.ClientAuth(List.of(), Optional.empty(), List.of("powersync"),
                true, Optional.of(secret), List.of()), CLOCK);
        TestKeys.SigningKey supabase = TestKeys.hs256(null, secret);
        String token = supabase.sign("{\"sub\":\"s1\",\"aud\":\"authenticated\",\"iat\":" + NOW + ",\"exp\":" + (NOW + 6 * 86_400)
                + "}");
        assertThat(verifier.verify(token).userId()).isEqualTo("s1");
        assertRefused(verifier, supabase.sign(claims("s1", NOW, NOW + 60)), ErrorCode.AUTH_AUDIENCE_INVALID, "authenticated");
    }

    @Test
    void authorizationHeadersTakeTokenOrBearer() {
        assertThat(TokenVerifier.tokenOf(Optional.of("Token abc.def.ghi"))).isEqualTo("abc.def.ghi");
        assertThat(TokenVerifier.tokenOf(Optional.of("Bearer abc.def.ghi"))).isEqualTo("abc.def.ghi");
        for (String bad : List.of("", "Basic abc", "Token", "Token a b")) {
            assertThatThrownBy(() -> TokenVerifier.tokenOf(Optional.of(bad)))
                    .isInstanceOfSatisfying(SyncException.class, e -> assertThat(e.errorCode()).isEqualTo(ErrorCode.AUTH_HEADER_MISSING));
        }
        assertThatThrownBy(() -> TokenVerifier.tokenOf(Optional.empty())).isInstanceOf(SyncException.class);
    }

    @Test
    void fetchesKeySetsFromAUriAndRefetchesForAnUnknownKid() throws IOException {
        TestKeys.SigningKey before = TestKeys.rsa("2025");
        TestKeys.SigningKey rotated = TestKeys.ed25519("2026");
        AtomicReference<String> published = new AtomicReference<>(TestKeys.keySet(before));
        AtomicInteger fetches = new AtomicInteger();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/jwks.json", exchange -> {
            fetches.incrementAndGet();
            byte[] body = published.get().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        try {
            String uri = "http://127.0.0.1:" + server.getAddress().getPort() + "/jwks.json";
            TokenVerifier verifier = TokenVerifier.of(new ServiceConfig.ClientAuth(List.of(uri), Optional.empty(),
                    List.of("powersync"), false, Optional.empty(), List.of()), Clock.systemUTC());
            assertThat(verifier.verify(before.sign(TestKeys.claims("u1"))).userId()).isEqualTo("u1");
            assertThat(verifier.verify(before.sign(TestKeys.claims("u2"))).userId()).isEqualTo("u2");
            assertThat(fetches).hasValue(1);
            published.set(TestKeys.keySet(before, rotated));
            assertThat(verifier.verify(rotated.sign(TestKeys.claims("u3"))).userId()).isEqualTo("u3");
            assertThat(fetches).hasValue(2);

            TokenVerifier refusing = TokenVerifier.of(new ServiceConfig.ClientAuth(List.of(uri), Optional.empty(),
                    List.of("powersync"), false, Optional.empty(), List.of("local")), Clock.systemUTC());
            assertRefused(refusing, before.sign(TestKeys.claims("u1")), ErrorCode.AUTH_JWKS_UNAVAILABLE, "jwks_reject_ip_ranges");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void ipRangesMatchCidrBlocksAndLocalAddresses() throws IOException {
        IpRanges ranges = new IpRanges(List.of("10.0.0.0/8", "192.0.2.7"));
        assertThat(ranges.contains(java.net.InetAddress.getByName("10.200.1.1"))).isTrue();
        assertThat(ranges.contains(java.net.InetAddress.getByName("11.0.0.1"))).isFalse();
        assertThat(ranges.contains(java.net.InetAddress.getByName("192.0.2.7"))).isTrue();
        assertThat(new IpRanges(List.of("local")).contains(java.net.InetAddress.getByName("127.0.0.1"))).isTrue();
        assertThat(new IpRanges(List.of("local")).contains(java.net.InetAddress.getByName("8.8.8.8"))).isFalse();
        assertThatThrownBy(() -> new IpRanges(List.of("example.com/8"))).isInstanceOf(SyncException.class);
    }
}
