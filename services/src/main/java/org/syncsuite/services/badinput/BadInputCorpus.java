package org.syncsuite.services.badinput;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * A bad-input corpus: requests a service must refuse (or serve harmlessly) and the answer each
 * must get, as data (a YAML file in the service's test resources), run by {@link BadInputRunner}.
 * <pre>
 * defaults:                 # for every case, unless it says otherwise
 *   method: POST
 *   path: /sync/stream
 *   headers: {Content-Type: application/json}
 * setup:                    # requests that must succeed first (data the cases need)
 *   - name: ...
 * good:                     # a request that must succeed before and after the corpus
 *   request: {...}
 *   expect: {status: 200}
 * cases:
 *   - name: expired token
 *     request:
 *       method: POST
 *       path: /sync/stream          # sent as written: ".." and "%2e" are not resolved
 *       token: {claims: {exp: now-3600}}   # see CorpusTokens; sent as "Authorization: Token ..."
 *       scheme: Bearer              # instead of Token
 *       authorization: Basic abc    # this header instead of a token
 *       headers: {X-Filler: {repeat: a, times: 65536}}   # values are Payloads specs
 *       body: '{"buckets": 1}'      # a Payloads spec: text, {repeat}, {hex}, {gzip}, {concat}
 *       chunked: true               # no Content-Length
 *       framed: false               # the body as written, no Content-Length added (malformed chunks)
 *       ends_output: true           # then the client shuts its side down (a body shorter than declared)
 *     expect:
 *       status: 401                 # or a list of acceptable statuses; never 500
 *       code: PSYNC_S2103           # the error code of the JSON body
 *       rows: [l1]                  # for a 200 sync stream: exactly these rows in the first checkpoint
 *       body_includes: [SQL_TOO_DEEP]  # the body must contain these
 *       body_excludes: ["root:x"]   # the body must not contain these
 * </pre>
 */
public record BadInputCorpus(List<Case> setup, List<Case> cases, Optional<Case> good) {

    /** One request and the answer it must get. */
    public record Case(String name, Request request, Expectation expect) {
    }

    /** What to send. {@code headers} values and {@code body} are {@link Payloads} specs. */
    public record Request(String method, Object path, Optional<Map<?, ?>> token, String scheme, Optional<String> authorization,
                          Map<String, Object> headers, Object body, boolean chunked, boolean framed, boolean endsOutput) {
    }

    /** What must come back. */
    public record Expectation(Set<Integer> statuses, Optional<String> code, Optional<Set<String>> rows, List<String> bodyIncludes,
                              List<String> bodyExcludes) {
    }

    /** Reads a corpus from the class path resource {@code name}. */
    public static BadInputCorpus load(String name) {
        try (InputStream in = BadInputCorpus.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalArgumentException("No corpus " + name + " on the class path");
            }
            return parse(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static BadInputCorpus parse(InputStream in) {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        Map<?, ?> root = new Yaml(options).load(in);
        Map<?, ?> defaults = map(root.get("defaults"));
        List<Case> cases = new ArrayList<>();
        Set<String> names = new TreeSet<>();
        for (Object item : (List<?>) root.get("cases")) {
            Case c = parseCase(map(item), defaults);
            if (!names.add(c.name())) {
                throw new IllegalArgumentException("Two cases are named " + c.name());
            }
            cases.add(c);
        }
        List<Case> setup = new ArrayList<>();
        for (Object item : root.containsKey("setup") ? (List<?>) root.get("setup") : List.of()) {
            setup.add(parseCase(map(item), defaults));
        }
        Optional<Case> good = root.containsKey("good")
                ? Optional.of(parseCase(withName(map(root.get("good"))), defaults)) : Optional.empty();
        return new BadInputCorpus(List.copyOf(setup), List.copyOf(cases), good);
    }

    private static Map<?, ?> withName(Map<?, ?> good) {
        Map<Object, Object> named = new LinkedHashMap<>(good);
        named.putIfAbsent("name", "a good request");
        return named;
    }

    private static Case parseCase(Map<?, ?> item, Map<?, ?> defaults) {
        String name = (String) item.get("name");
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("A case without a name: " + item);
        }
        Map<?, ?> request = map(item.get("request"));
        Map<String, Object> headers = new LinkedHashMap<>();
        map(defaults.get("headers")).forEach((k, v) -> headers.put((String) k, v));
        map(request.get("headers")).forEach((k, v) -> {
            if (v == null) {
                headers.remove((String) k);
            } else {
                headers.put((String) k, v);
            }
        });
        Request parsed = new Request(
                (String) first(request.get("method"), defaults.get("method"), "GET"),
                first(request.get("path"), defaults.get("path"), "/"),
                Optional.ofNullable((Map<?, ?>) request.get("token")),
                (String) first(request.get("scheme"), defaults.get("scheme"), "Bearer"),
                Optional.ofNullable((String) request.get("authorization")),
                headers, request.get("body"), Boolean.TRUE.equals(request.get("chunked")),
                !Boolean.FALSE.equals(request.get("framed")), Boolean.TRUE.equals(request.get("ends_output")));
        Map<?, ?> expect = map(item.get("expect"));
        Object status = expect.get("status");
        Set<Integer> statuses = new TreeSet<>();
        if (status instanceof List<?> list) {
            list.forEach(s -> statuses.add(((Number) s).intValue()));
        } else if (status instanceof Number n) {
            statuses.add(n.intValue());
        } else {
            throw new IllegalArgumentException("Case " + name + " expects no status");
        }
        Optional<Set<String>> rows = expect.containsKey("rows")
                ? Optional.of(new TreeSet<>(((List<?>) expect.get("rows")).stream().map(String::valueOf).toList())) : Optional.empty();
        return new Case(name, parsed, new Expectation(statuses, Optional.ofNullable((String) expect.get("code")), rows,
                strings(expect.get("body_includes")), strings(expect.get("body_excludes"))));
    }

    private static List<String> strings(Object list) {
        return list == null ? List.of() : ((List<?>) list).stream().map(String::valueOf).toList();
    }

    private static Object first(Object value, Object orElse, Object fallback) {
        return value != null ? value : orElse != null ? orElse : fallback;
    }

    private static Map<?, ?> map(Object value) {
        return value == null ? Map.of() : (Map<?, ?>) value;
    }
}
