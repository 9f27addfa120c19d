package org.syncsuite.core.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.OptionalInt;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.syncsuite.core.ErrorCode;
import org.syncsuite.core.SyncException;

class StreamingSyncRequestTest {

    private static StreamingSyncRequest parse(String json) {
        return StreamingSyncRequest.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void fullRequestAsTheJavaScriptSdkSendsIt() {
        StreamingSyncRequest request = parse("""
                {"buckets":[{"name":"1#todos|0[\\"u1\\"]","after":"1234"}],"include_checksum":true,
                 "raw_data":true,"binary_data":true,"client_id":"a1b2","parameters":{"k":"v"},
                 "app_metadata":{"app":"demo"},"only":["x"],"future_field":{"ignored":true},
                 "streams":{"include_defaults":false,"subscriptions":[
                   {"stream":"list_todos","parameters":{"list_id":"L1"},"override_priority":null},
                   {"stream":"other","parameters":null,"override_priority":1}]}}
                """);
        assertThat(request.buckets()).singleElement().satisfies(b -> {
            assertThat(b.name()).isEqualTo("1#todos|0[\"u1\"]");
            assertThat(b.after()).isEqualTo(1234);
        });
        assertThat(request.rawData()).isTrue();
        assertThat(request.clientId()).contains("a1b2");
        assertThat(request.parametersJson()).isEqualTo("{\"k\":\"v\"}");
        assertThat(request.appMetadata()).containsEntry("app", "demo");
        StreamingSyncRequest.StreamsRequest streams = request.streams().orElseThrow();
        assertThat(streams.includeDefaults()).isFalse();
        assertThat(streams.subscriptions()).hasSize(2);
        assertThat(streams.subscriptions().get(0).parametersJson()).contains("{\"list_id\":\"L1\"}");
        assertThat(streams.subscriptions().get(0).overridePriority()).isEmpty();
        assertThat(streams.subscriptions().get(1).parametersJson()).isEmpty();
        assertThat(streams.subscriptions().get(1).overridePriority()).isEqualTo(OptionalInt.of(1));
    }

    @Test
    void emptyBodyAndLegacyClientsGetTheDefaults() {
        StreamingSyncRequest request = parse("");
        assertThat(request.buckets()).isEmpty();
        assertThat(request.parametersJson()).isEqualTo("{}");
        assertThat(request.streams()).isEmpty();
        assertThat(request.effectiveStreams().includeDefaults()).isTrue();
        assertThat(request.effectiveStreams().subscriptions()).isEmpty();
        assertThat(parse("{\"buckets\":[{\"name\":\"b\"}]}").buckets().getFirst().after()).isZero();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "[]|body must be a JSON object",
        "{\"buckets\":{}}|buckets must be an array",
        "{\"buckets\":[{\"after\":\"1\"}]}|buckets[0].name must be a string",
        "{\"buckets\":[{\"name\":\"b\",\"after\":\"-1\"}]}|buckets[0].after must be a non-negative",
        "{\"buckets\":[{\"name\":\"b\",\"after\":\"99999999999999999999\"}]}|buckets[0].after",
        "{\"buckets\":[{\"name\":\"b\",\"after\":\"1e3\"}]}|buckets[0].after",
        "{\"raw_data\":\"yes\"}|raw_data must be true or false",
        "{\"parameters\":[1]}|parameters must be a JSON object",
        "{\"streams\":{\"subscriptions\":[{\"stream\":1}]}}|streams.subscriptions[0].stream must be a string",
        "{\"streams\":{\"subscriptions\":[{\"stream\":\"s\",\"override_priority\":4}]}}|override_priority must be an integer from 0 to 3",
        "{\"app_metadata\":{\"a\":1}}|app_metadata.a must be a string",
        "{\"a\":1,\"a\":2}|not valid JSON",
        "{\"buckets\":[|not valid JSON",
        "{} {}|not valid JSON",
        "{\"buckets\":[]} trailing|not valid JSON",
        "{\"buckets\":[{\"name\":\"b\",\"after\":\"١٢٣\"}]}|buckets[0].after must be a non-negative",
        "{\"streams\":{\"subscriptions\":[{\"stream\":\"s\",\"override_priority\":18446744073709551617}]}}|override_priority must be an integer from 0 to 3",
        "{\"parameters\":{\"n\":1e309}}|parameters holds a number beyond the range of a double",
        "{\"streams\":{\"subscriptions\":[{\"stream\":\"s\",\"parameters\":{\"a\":[-1e999]}}]}}|streams.subscriptions[0].parameters holds a number beyond",
    })
    void malformedRequestsAreTypedErrorsNamingTheField(String body, String message) {
        assertThatThrownBy(() -> parse(body))
                .isInstanceOfSatisfying(SyncException.class, e -> {
                    assertThat(e.errorCode()).isEqualTo(ErrorCode.REQUEST_INVALID);
                    assertThat(e.httpStatus()).isEqualTo(400);
                })
                .hasMessageContaining(message);
    }

    @Test
    void deeplyNestedParametersAreRefused() {
        String deep = "{\"parameters\":" + "{\"a\":".repeat(100) + "1" + "}".repeat(100) + "}";
        assertThatThrownBy(() -> parse(deep)).isInstanceOf(SyncException.class).hasMessageContaining("not valid JSON");
    }
}
