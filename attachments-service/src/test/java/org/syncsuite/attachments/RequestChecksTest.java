package org.syncsuite.attachments;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import org.junit.jupiter.api.Test;

/** PowerSync's token time rules that MicroProfile JWT leaves out, on the (already verified) claims. */
class RequestChecksTest {

    private static final long NOW = 1_800_000_000L;
    private static final long DAY = 86_400;

    private static String token(String claims) {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        return b64.encodeToString("{\"alg\":\"HS256\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + b64.encodeToString(claims.getBytes(StandardCharsets.UTF_8)) + ".c2ln";
    }

    @Test
    void aTokenOfAnHourIssuedNowPasses() {
        assertThat(RequestChecks.timesRefuse(token("{\"iat\":" + NOW + ",\"exp\":" + (NOW + 3600) + "}"), NOW, DAY)).isEmpty();
        // within the 60 s of skew
        assertThat(RequestChecks.timesRefuse(token("{\"iat\":" + (NOW + 59) + ",\"exp\":" + (NOW + 3600) + ",\"nbf\":" + (NOW + 60)
                + "}"), NOW, DAY)).isEmpty();
    }

    @Test
    void notYetValidTokensAreRefused() {
        assertThat(RequestChecks.timesRefuse(token("{\"iat\":" + NOW + ",\"exp\":" + (NOW + 3600) + ",\"nbf\":" + (NOW + 600) + "}"),
                NOW, DAY)).get().asString().contains("nbf");
        assertThat(RequestChecks.timesRefuse(token("{\"iat\":" + (NOW + 600) + ",\"exp\":" + (NOW + 3600) + "}"), NOW, DAY))
                .get().asString().contains("iat");
    }

    @Test
    void lifetimesOverTheLimitAreRefusedEvenWhenTheSubtractionOverflows() {
        assertThat(RequestChecks.timesRefuse(token("{\"iat\":" + (NOW - DAY - 1) + ",\"exp\":" + NOW + "}"), NOW, DAY))
                .get().asString().contains("lifetime");
        assertThat(RequestChecks.timesRefuse(token("{\"iat\":-9223372036854775748,\"exp\":9223372036854775000}"), NOW, DAY))
                .get().asString().contains("lifetime");
        assertThat(RequestChecks.timesRefuse(token("{\"iat\":" + NOW + ",\"exp\":" + (NOW + 7 * DAY) + "}"), NOW, 7 * DAY + 1200))
                .isEmpty();
    }

    @Test
    void tokensWithoutNumericTimesAreRefused() {
        assertThat(RequestChecks.timesRefuse(token("{\"exp\":" + NOW + "}"), NOW, DAY)).isPresent();
        assertThat(RequestChecks.timesRefuse(token("{\"iat\":\"now\",\"exp\":" + NOW + "}"), NOW, DAY)).isPresent();
        assertThat(RequestChecks.timesRefuse("not-a-jwt", NOW, DAY)).isPresent();
    }
}
