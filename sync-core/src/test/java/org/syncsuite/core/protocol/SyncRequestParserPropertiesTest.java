package org.syncsuite.core.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.syncsuite.core.ErrorCode;
import org.syncsuite.core.JsonTexts;
import org.syncsuite.core.SyncException;

/**
 * The body of {@code POST /sync/stream} from anyone: whatever the bytes, parsing gives a request
 * or a {@code PSYNC_S2001} validation error, never another exception (no NullPointer, ClassCast,
 * NumberFormat or StackOverflow error that would become a 500). Well-formed requests parse to
 * exactly what they say.
 */
class SyncRequestParserPropertiesTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper STRICT = new ObjectMapper()
            .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    /** The request's field names at every level, so that generated objects reach the field checks. */
    private static final List<String> FIELDS = List.of("buckets", "name", "after", "raw_data", "client_id", "parameters",
            "app_metadata", "streams", "include_defaults", "subscriptions", "stream", "override_priority", "include_checksum",
            "binary_data", "only");

    @Property(tries = 300)
    void anyBytesParseOrAreRefusedAsInvalid(@ForAll @Size(max = 512) byte[] body) {
        parsesOrIsRefused(body);
    }

    @Property(tries = 300)
    void anyTextParsesOrIsRefusedAsInvalid(@ForAll("texts") String body) {
        parsesOrIsRefused(body.getBytes(StandardCharsets.UTF_8));
    }

    @Property(tries = 300)
    void anyJsonValueParsesOrIsRefusedAsInvalid(@ForAll("jsonValues") String body) {
        parsesOrIsRefused(body.getBytes(StandardCharsets.UTF_8));
    }

    @Property(tries = 500)
    void requestShapedJsonWithWrongTypesParsesOrIsRefusedAsInvalid(@ForAll("requestShaped") String body) {
        parsesOrIsRefused(body.getBytes(StandardCharsets.UTF_8));
    }

    @Property(tries = 200)
    void mutatedRequestsParseOrAreRefusedAsInvalid(@ForAll("mutatedRequests") String body) {
        parsesOrIsRefused(body.getBytes(StandardCharsets.UTF_8));
    }

    @Property(tries = 200)
    void invalidUtf8InsideARequestIsRefusedAsInvalid(@ForAll("wellFormed") Model request,
                                                      @ForAll("badUtf8") byte[] bad, @ForAll @IntRange(max = 10_000) int at) {
        byte[] text = request.json().getBytes(StandardCharsets.UTF_8);
        int position = at % (text.length + 1);
        byte[] body = new byte[text.length + bad.length];
        System.arraycopy(text, 0, body, 0, position);
        System.arraycopy(bad, 0, body, position, bad.length);
        System.arraycopy(text, position, body, position + bad.length, text.length - position);
        parsesOrIsRefused(body);
    }

    @Property(tries = 30)
    void deepNestingIsRefusedWithoutOverflowingTheStack(@ForAll @IntRange(min = 33, max = 200_000) int depth,
                                                         @ForAll("openers") String opener) {
        String body = "{\"parameters\":" + opener.repeat(depth) + "1" + (opener.equals("[") ? "]" : "}").repeat(depth) + "}";
        SyncException e = refused(body.getBytes(StandardCharsets.UTF_8));
        assertThat(e.getMessage()).contains("not valid JSON");
    }

    @Property(tries = 200)
    void wellFormedRequestsParseToWhatTheySay(@ForAll("wellFormed") Model model) throws Exception {
        StreamingSyncRequest request = StreamingSyncRequest.parse(model.json().getBytes(StandardCharsets.UTF_8));
        assertThat(request.buckets()).isEqualTo(model.buckets());
        assertThat(request.clientId()).isEqualTo(model.clientId());
        assertThat(JSON.readTree(request.parametersJson())).isEqualTo(JSON.readTree(model.parameters()));
        StreamingSyncRequest.StreamsRequest streams = request.streams().orElseThrow();
        assertThat(streams.subscriptions()).extracting(StreamingSyncRequest.Subscription::stream).isEqualTo(model.streamNames());
        for (StreamingSyncRequest.Subscription subscription : streams.subscriptions()) {
            assertThat(subscription.overridePriority()).isEmpty();
            assertThat(JSON.readTree(subscription.parametersJson().orElseThrow()).isObject()).isTrue();
        }
    }

    // ---- the outcome

    private static void parsesOrIsRefused(byte[] body) {
        StreamingSyncRequest request;
        try {
            request = StreamingSyncRequest.parse(body);
        } catch (SyncException e) {
            assertThat(e.errorCode()).as(e.toString()).isEqualTo(ErrorCode.REQUEST_INVALID);
            assertThat(e.getMessage()).isNotBlank();
            return;
        }
        // what is accepted is what the stream relies on
        assertThat(request.buckets()).allSatisfy(b -> {
            assertThat(b.name()).isNotNull();
            assertThat(b.after()).isNotNegative();
        });
        assertThat(request.buckets().size()).isLessThanOrEqualTo(StreamingSyncRequest.MAX_BUCKETS);
        assertThat(parsesAsObject(request.parametersJson())).isTrue();
        request.streams().ifPresent(streams -> assertThat(streams.subscriptions()).allSatisfy(s -> {
            assertThat(s.stream()).isNotNull();
            s.parametersJson().ifPresent(p -> assertThat(parsesAsObject(p)).isTrue());
            s.overridePriority().ifPresent(p -> assertThat(p).isBetween(0, 3));
        }));
    }

    private static SyncException refused(byte[] body) {
        try {
            StreamingSyncRequest.parse(body);
        } catch (SyncException e) {
            assertThat(e.errorCode()).isEqualTo(ErrorCode.REQUEST_INVALID);
            return e;
        }
        throw new AssertionError("accepted: " + new String(body, 0, Math.min(body.length, 200), StandardCharsets.UTF_8));
    }

    private static boolean parsesAsObject(String json) {
        try {
            JsonNode node = JSON.readTree(json);
            return node != null && node.isObject();
        } catch (java.io.IOException e) {
            return false;
        }
    }

    // ---- generators

    @Provide
    Arbitrary<String> texts() {
        return Arbitraries.oneOf(Arbitraries.strings().all().ofMaxLength(64),
                Arbitraries.strings().withChars("{}[]\":,0123456789.eE+-tfnul \\").ofMaxLength(64));
    }

    @Provide
    Arbitrary<String> jsonValues() {
        return JsonTexts.values(5, List.of());
    }

    @Provide
    Arbitrary<String> requestShaped() {
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(1, JsonTexts.objects(JsonTexts.values(4, FIELDS), FIELDS)),
                net.jqwik.api.Tuple.of(3, skeletons()));
    }

    /**
     * The request's own shape, each field holding a value of the right type or of any other:
     * {@code buckets} of {@code {name, after}}, {@code streams} of subscriptions, and the rest.
     */
    private static Arbitrary<String> skeletons() {
        Arbitrary<String> any = JsonTexts.values(2, List.of());
        // digits around the edges of a long, as a string or a number
        Arbitrary<String> digits = Arbitraries.oneOf(Arbitraries.strings().numeric().ofMinLength(1).ofMaxLength(21),
                Arbitraries.of("9223372036854775807", "9223372036854775808", "9999999999999999999", "0", "-1", "3", "4"));
        Arbitrary<String> integer = Arbitraries.oneOf(digits, digits.map(JsonTexts::quote));
        Arbitrary<String> string = JsonTexts.strings();
        Arbitrary<String> bool = Arbitraries.of("true", "false");
        Arbitrary<String> object = JsonTexts.objects(any, List.of());
        Arbitrary<String> bucket = mostly(members(Map.of("name", mostly(string, any), "after", mostly(integer, any))), any);
        Arbitrary<String> subscription = mostly(members(Map.of("stream", mostly(string, any), "parameters", mostly(object, any),
                "override_priority", mostly(integer, any))), any);
        Arbitrary<String> streams = mostly(members(Map.of("include_defaults", mostly(bool, any),
                "subscriptions", mostly(array(subscription), any))), any);
        return members(Map.of("buckets", mostly(array(bucket), any), "streams", streams, "parameters", mostly(object, any),
                "app_metadata", mostly(JsonTexts.objects(mostly(string, any), List.of()), any), "raw_data", mostly(bool, any),
                "client_id", mostly(string, any)));
    }

    /** Mostly {@code typed} values, sometimes anything. */
    private static Arbitrary<String> mostly(Arbitrary<String> typed, Arbitrary<String> any) {
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(4, typed), net.jqwik.api.Tuple.of(1, any));
    }

    private static Arbitrary<String> array(Arbitrary<String> items) {
        return items.list().ofMaxSize(3).map(list -> "[" + String.join(",", list) + "]");
    }

    /** An object with some of these members, in any order. */
    private static Arbitrary<String> members(Map<String, Arbitrary<String>> fields) {
        List<Arbitrary<String>> each = fields.entrySet().stream()
                .map(f -> f.getValue().map(v -> JsonTexts.quote(f.getKey()) + ":" + v).optional().map(o -> o.orElse("")))
                .toList();
        return Combinators.combine(each).as(list -> list.stream().filter(m -> !m.isEmpty()).toList())
                .flatMap(list -> Arbitraries.shuffle(list)).map(list -> "{" + String.join(",", list) + "}");
    }

    @Provide
    Arbitrary<String> mutatedRequests() {
        return JsonTexts.mutated(wellFormed().map(Model::json));
    }

    @Provide
    Arbitrary<byte[]> badUtf8() {
        return Arbitraries.of(new byte[]{(byte) 0xff}, new byte[]{(byte) 0xc3}, new byte[]{(byte) 0xe2, (byte) 0x82},
                new byte[]{(byte) 0xed, (byte) 0xa0, (byte) 0x80}, new byte[]{(byte) 0xc0, (byte) 0xaf},
                new byte[]{(byte) 0xf8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80}, new byte[]{(byte) 0x80});
    }

    @Provide
    Arbitrary<String> openers() {
        return Arbitraries.of("[", "{\"a\":");
    }

    /** A valid request and what it says. */
    record Model(String json, List<StreamingSyncRequest.BucketRequest> buckets, Optional<String> clientId, String parameters,
                 List<String> streamNames) {
    }

    @Provide
    Arbitrary<Model> wellFormed() {
        Arbitrary<String> names = Arbitraries.strings().all().ofMaxLength(20).filter(SyncRequestParserPropertiesTest::isUtf8);
        Arbitrary<StreamingSyncRequest.BucketRequest> bucket = Combinators.combine(names, Arbitraries.longs().greaterOrEqual(0))
                .as(StreamingSyncRequest.BucketRequest::new);
        Arbitrary<String> parameters = JsonTexts.objects(JsonTexts.values(3, List.of()), List.of())
                .filter(SyncRequestParserPropertiesTest::isUtf8).filter(p -> !p.matches("(?s).*[0-9.eE+-]{90,}.*"))
                .filter(SyncRequestParserPropertiesTest::isValidParameters);
        return Combinators.combine(bucket.list().ofMaxSize(5), names.optional(), parameters, names.list().ofMaxSize(3),
                Arbitraries.of(true, false)).as((buckets, client, params, streams, afterAsNumber) -> {
                    List<String> members = new ArrayList<>();
                    members.add("\"buckets\":[" + String.join(",", buckets.stream().map(b -> "{\"name\":" + JsonTexts.quote(b.name())
                            + ",\"after\":" + (afterAsNumber ? Long.toString(b.after()) : "\"" + b.after() + "\"") + "}").toList()) + "]");
                    client.ifPresent(c -> members.add("\"client_id\":" + JsonTexts.quote(c)));
                    members.add("\"parameters\":" + params);
                    members.add("\"streams\":{\"include_defaults\":true,\"subscriptions\":[" + String.join(",", streams.stream()
                            .map(s -> "{\"stream\":" + JsonTexts.quote(s) + ",\"parameters\":" + params + ",\"override_priority\":null}")
                            .toList()) + "]}");
                    return new Model("{" + String.join(",", members) + "}", buckets, client, params, streams);
                });
    }

    /** Whether {@code text} survives UTF-8 unchanged (no lone surrogates). */
    private static boolean isUtf8(String text) {
        return text.equals(new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8));
    }

    /** What a client may send: an object without duplicate keys whose numbers are doubles. */
    private static boolean isValidParameters(String json) {
        try {
            JsonNode node = STRICT.readTree(json);
            return node.isObject() && finite(node);
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private static boolean finite(JsonNode node) {
        if (node.isFloatingPointNumber() && !Double.isFinite(node.doubleValue())) {
            return false;
        }
        for (JsonNode child : node) {
            if (!finite(child)) {
                return false;
            }
        }
        return true;
    }
}
