package org.syncsuite.core.config;

import java.io.StringReader;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;

import org.syncsuite.core.mysql.TimestampPrecision;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Reads a sync config's YAML into a {@link SyncConfigDocument}, keeping every query's position
 * in the file and collecting all problems instead of stopping at the first.
 */
public final class SyncConfigReader {

    private static final Set<String> TOP_LEVEL = Set.of("config", "bucket_definitions", "streams", "with", "event_definitions");
    private static final Set<String> CONFIG_KEYS = Set.of("edition", "timestamps_iso8601", "versioned_bucket_ids",
            "fixed_json_extract", "custom_postgres_types", "unstable_sqlite_expression_engine",
            "timestamp_max_precision", "storage_version");
    private static final Set<String> STREAM_KEYS = Set.of("auto_subscribe", "priority",
            "accept_potentially_dangerous_queries", "with", "query", "queries");
    private static final Set<String> BUCKET_KEYS = Set.of("accept_potentially_dangerous_queries", "priority",
            "parameters", "data");

    /** What YAML 1.1 (SnakeYAML) counts as a line break, so that our line numbers are the parser's. */
    static final String LINE_BREAK = "\r\n|[\n\r\u0085\u2028\u2029]";

    private final String file;
    private final String[] lines;
    private final List<ConfigIssue> issues = new ArrayList<>();

    private SyncConfigReader(String file, String yaml) {
        this.file = file;
        this.lines = yaml.split(LINE_BREAK, -1);
    }

    /** Reads {@code yaml}; {@code file} names it in issues. Never throws for bad input. */
    public static SyncConfigDocument read(String file, String yaml) {
        return new SyncConfigReader(file, yaml).run(yaml);
    }

    private SyncConfigDocument run(String yaml) {
        Node root;
        try {
            LoaderOptions options = new LoaderOptions();
            options.setAllowDuplicateKeys(false);
            options.setMaxAliasesForCollections(20);
            options.setCodePointLimit(4 * 1024 * 1024);
            root = new Yaml(options).compose(new StringReader(yaml));
        } catch (MarkedYAMLException e) {
            Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            error("YAML_SYNTAX", "Not valid YAML: " + e.getProblem(), mark == null ? Position.START : position(mark));
            return empty();
        } catch (RuntimeException e) {
            error("YAML_SYNTAX", "Not valid YAML: " + e.getMessage(), Position.START);
            return empty();
        }
        if (!(root instanceof MappingNode mapping)) {
            error("CONFIG_NOT_A_MAPPING", "A sync config is a mapping with streams: or bucket_definitions:",
                    root == null ? Position.START : position(root));
            return empty();
        }
        Map<String, NodeTuple> top = entries(mapping, TOP_LEVEL, "top level");
        SyncConfigDocument.Options options = options(top.get("config"));
        Map<String, QueryText> globalWith = top.containsKey("with") ? queriesByName(top.get("with").getValueNode(), "with") : Map.of();
        List<SyncConfigDocument.StreamDefinition> streams = new ArrayList<>();
        List<SyncConfigDocument.BucketDefinition> buckets = new ArrayList<>();
        Set<String> names = new HashSet<>();
        if (top.containsKey("streams")) {
            Node node = top.get("streams").getValueNode();
            if (node instanceof MappingNode streamMap) {
                for (NodeTuple entry : streamMap.getValue()) {
                    String name = keyName(entry);
                    if (name != null && unique(names, name, entry)) {
                        stream(name, entry).ifPresent(streams::add);
                    }
                }
            } else {
                error("CONFIG_INVALID_VALUE", "streams: must be a mapping of stream names to streams", position(node));
            }
        }
        if (top.containsKey("bucket_definitions")) {
            Node node = top.get("bucket_definitions").getValueNode();
            if (options.edition() >= 3) {
                error("CONFIG_EDITION_MISMATCH", "Edition 3 is Sync Streams only: move bucket_definitions to streams: "
                        + "(powersync migrate sync-rules does it) or use edition 2", position(top.get("bucket_definitions").getKeyNode()));
            } else if (node instanceof MappingNode definitions) {
                for (NodeTuple entry : definitions.getValue()) {
                    String name = keyName(entry);
                    if (name != null && unique(names, name, entry)) {
                        bucketDefinition(name, entry).ifPresent(buckets::add);
                    }
                }
            } else {
                error("CONFIG_INVALID_VALUE", "bucket_definitions: must be a mapping of names to definitions", position(node));
            }
        }
        if (!top.containsKey("streams") && !top.containsKey("bucket_definitions")) {
            error("CONFIG_MISSING_KEY", "A sync config needs streams: (or legacy bucket_definitions:)", position(mapping));
        }
        return new SyncConfigDocument(file, options, globalWith, streams, buckets, issues);
    }

    private SyncConfigDocument empty() {
        return new SyncConfigDocument(file, SyncConfigDocument.Options.forEdition(1), Map.of(), List.of(), List.of(), issues);
    }

    private SyncConfigDocument.Options options(NodeTuple config) {
        if (config == null) {
            return SyncConfigDocument.Options.forEdition(1);
        }
        if (!(config.getValueNode() instanceof MappingNode mapping)) {
            error("CONFIG_INVALID_VALUE", "config: must be a mapping", position(config.getValueNode()));
            return SyncConfigDocument.Options.forEdition(1);
        }
        Map<String, NodeTuple> keys = entries(mapping, CONFIG_KEYS, "config");
        int edition = keys.containsKey("edition") ? integer(keys.get("edition"), 1, 3).orElse(1) : 1;
        SyncConfigDocument.Options defaults = SyncConfigDocument.Options.forEdition(edition);
        TimestampPrecision precision = TimestampPrecision.MILLISECONDS;
        if (keys.containsKey("timestamp_max_precision")) {
            String value = scalar(keys.get("timestamp_max_precision").getValueNode());
            try {
                precision = TimestampPrecision.valueOf(value == null ? "" : value.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                error("CONFIG_INVALID_VALUE", "timestamp_max_precision is one of seconds, milliseconds, microseconds, "
                        + "nanoseconds", position(keys.get("timestamp_max_precision").getValueNode()));
            }
        }
        return new SyncConfigDocument.Options(edition,
                flag(keys.get("timestamps_iso8601"), defaults.timestampsIso8601()),
                flag(keys.get("versioned_bucket_ids"), defaults.versionedBucketIds()),
                flag(keys.get("fixed_json_extract"), defaults.fixedJsonExtract()),
                precision);
    }

    private java.util.Optional<SyncConfigDocument.StreamDefinition> stream(String name, NodeTuple entry) {
        if (!(entry.getValueNode() instanceof MappingNode mapping)) {
            error("CONFIG_INVALID_VALUE", "Stream " + name + " must be a mapping with query: or queries:", position(entry.getValueNode()));
            return java.util.Optional.empty();
        }
        Map<String, NodeTuple> keys = entries(mapping, STREAM_KEYS, "stream " + name);
        List<QueryText> queries = new ArrayList<>();
        if (keys.containsKey("query") && keys.containsKey("queries")) {
            error("CONFIG_INVALID_VALUE", "Stream " + name + " has both query: and queries:; keep one", position(keys.get("queries").getKeyNode()));
        } else if (keys.containsKey("query")) {
            query(keys.get("query").getValueNode(), "query of stream " + name).ifPresent(queries::add);
        } else if (keys.containsKey("queries")) {
            queries.addAll(queryList(keys.get("queries").getValueNode(), "queries of stream " + name));
        } else {
            error("CONFIG_MISSING_KEY", "Stream " + name + " needs query: or queries:", position(entry.getKeyNode()));
        }
        Map<String, QueryText> with = keys.containsKey("with") ? queriesByName(keys.get("with").getValueNode(), "with of stream " + name) : Map.of();
        return java.util.Optional.of(new SyncConfigDocument.StreamDefinition(name, position(entry.getKeyNode()),
                flag(keys.get("auto_subscribe"), false),
                keys.containsKey("priority") ? integer(keys.get("priority"), 0, 3).orElse(3) : 3,
                flag(keys.get("accept_potentially_dangerous_queries"), false), with, queries));
    }

    private java.util.Optional<SyncConfigDocument.BucketDefinition> bucketDefinition(String name, NodeTuple entry) {
        if (!(entry.getValueNode() instanceof MappingNode mapping)) {
            error("CONFIG_INVALID_VALUE", "Bucket definition " + name + " must be a mapping with data:", position(entry.getValueNode()));
            return java.util.Optional.empty();
        }
        Map<String, NodeTuple> keys = entries(mapping, BUCKET_KEYS, "bucket definition " + name);
        List<QueryText> parameters = keys.containsKey("parameters")
                ? queryList(keys.get("parameters").getValueNode(), "parameters of " + name) : List.of();
        List<QueryText> data = List.of();
        if (keys.containsKey("data")) {
            data = queryList(keys.get("data").getValueNode(), "data of " + name);
        } else {
            error("CONFIG_MISSING_KEY", "Bucket definition " + name + " needs data: queries", position(entry.getKeyNode()));
        }
        OptionalInt priority = keys.containsKey("priority") ? integer(keys.get("priority"), 0, 3) : OptionalInt.empty();
        return java.util.Optional.of(new SyncConfigDocument.BucketDefinition(name, position(entry.getKeyNode()), priority,
                flag(keys.get("accept_potentially_dangerous_queries"), false), parameters, data));
    }

    // ---- helpers

    /** The entries of a mapping by key; unknown keys are errors, duplicates were refused by the parser. */
    private Map<String, NodeTuple> entries(MappingNode mapping, Set<String> allowed, String where) {
        Map<String, NodeTuple> result = new LinkedHashMap<>();
        for (NodeTuple tuple : mapping.getValue()) {
            String key = keyName(tuple);
            if (key == null) {
                continue;
            }
            if (!allowed.contains(key)) {
                error("CONFIG_UNKNOWN_KEY", "Unknown key '" + key + "' in " + where + "; expected one of "
                        + String.join(", ", allowed.stream().sorted().toList()), position(tuple.getKeyNode()));
                continue;
            }
            result.put(key, tuple);
        }
        return result;
    }

    private String keyName(NodeTuple tuple) {
        if (tuple.getKeyNode() instanceof ScalarNode scalar) {
            return scalar.getValue();
        }
        error("CONFIG_INVALID_VALUE", "Keys must be plain names", position(tuple.getKeyNode()));
        return null;
    }

    private boolean unique(Set<String> names, String name, NodeTuple entry) {
        if (!names.add(name)) {
            error("CONFIG_DUPLICATE_NAME", "The name '" + name + "' is used twice: stream and bucket definition names "
                    + "must be unique", position(entry.getKeyNode()));
            return false;
        }
        return true;
    }

    private Map<String, QueryText> queriesByName(Node node, String where) {
        Map<String, QueryText> result = new LinkedHashMap<>();
        if (!(node instanceof MappingNode mapping)) {
            error("CONFIG_INVALID_VALUE", where + ": must map names to queries", position(node));
            return result;
        }
        for (NodeTuple tuple : mapping.getValue()) {
            String name = keyName(tuple);
            if (name != null) {
                query(tuple.getValueNode(), where + " " + name).ifPresent(query -> result.put(name, query));
            }
        }
        return result;
    }

    private List<QueryText> queryList(Node node, String where) {
        List<QueryText> result = new ArrayList<>();
        if (node instanceof SequenceNode sequence) {
            for (Node item : sequence.getValue()) {
                query(item, where).ifPresent(result::add);
            }
        } else {
            query(node, where).ifPresent(result::add);
        }
        return result;
    }

    private java.util.Optional<QueryText> query(Node node, String where) {
        if (!(node instanceof ScalarNode scalar) || scalar.getValue().isBlank()) {
            error("CONFIG_INVALID_VALUE", "The " + where + " must be a SQL query string", position(node));
            return java.util.Optional.empty();
        }
        Position start = position(node);
        DumperOptions.ScalarStyle style = scalar.getScalarStyle();
        if (style == DumperOptions.ScalarStyle.LITERAL || style == DumperOptions.ScalarStyle.FOLDED) {
            int contentLine = node.getStartMark().getLine() + 1; // 0-based index of the first content line
            while (contentLine < lines.length && lines[contentLine].isBlank()) {
                contentLine++;
            }
            int indent = contentLine < lines.length ? leadingSpaces(lines[contentLine]) : 0;
            if (style == DumperOptions.ScalarStyle.LITERAL) {
                return java.util.Optional.of(new QueryText(scalar.getValue(), new Position(contentLine + 1, indent + 1), indent));
            }
            return java.util.Optional.of(folded(scalar.getValue(), contentLine, indent, node.getEndMark().getLine(),
                    Integer.MAX_VALUE).orElse(QueryText.inline(scalar.getValue(), new Position(contentLine + 1, indent + 1))));
        }
        boolean quoted = style == DumperOptions.ScalarStyle.DOUBLE_QUOTED || style == DumperOptions.ScalarStyle.SINGLE_QUOTED;
        if (quoted) {
            start = new Position(start.line(), start.column() + 1);
        }
        int lastLine = node.getEndMark().getLine();
        if (lastLine > node.getStartMark().getLine()) {
            int endColumn = node.getEndMark().getColumn() - (quoted ? 1 : 0);
            return java.util.Optional.of(folded(scalar.getValue(), node.getStartMark().getLine(), start.column() - 1, lastLine,
                    endColumn).orElse(QueryText.inline(scalar.getValue(), start)));
        }
        return java.util.Optional.of(QueryText.inline(scalar.getValue(), start));
    }

    /**
     * Where the characters of a scalar YAML folded from lines {@code firstLine} (from column
     * {@code firstColumn}) to {@code lastLine} (up to column {@code endColumn}), 0-based, came from:
     * each line's text, stripped, found in turn in {@code value}. A line whose text is not found
     * as such (escapes in a quoted scalar) is left out: its characters point at the line before.
     */
    private java.util.Optional<QueryText> folded(String value, int firstLine, int firstColumn, int lastLine, int endColumn) {
        List<QueryText.Segment> segments = new ArrayList<>();
        int cursor = 0;
        for (int i = firstLine; i <= lastLine && i < lines.length; i++) {
            String line = lines[i];
            int from = i == firstLine ? Math.min(firstColumn, line.length()) : leadingSpaces(line);
            int to = i == lastLine ? Math.min(endColumn, line.length()) : line.length();
            String piece = from < to ? line.substring(from, to).stripTrailing() : "";
            if (piece.isEmpty()) {
                continue;
            }
            int found = value.indexOf(piece, cursor);
            if (found < 0) {
                continue;
            }
            segments.add(new QueryText.Segment(found, piece.length(), new Position(i + 1, from + 1)));
            cursor = found + piece.length();
        }
        return segments.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(QueryText.folded(value, segments));
    }

    private static int leadingSpaces(String line) {
        int i = 0;
        while (i < line.length() && line.charAt(i) == ' ') {
            i++;
        }
        return i;
    }

    private boolean flag(NodeTuple tuple, boolean defaultValue) {
        if (tuple == null) {
            return defaultValue;
        }
        String value = scalar(tuple.getValueNode());
        if ("true".equals(value)) {
            return true;
        }
        if ("false".equals(value)) {
            return false;
        }
        error("CONFIG_INVALID_VALUE", keyNameOr(tuple) + " must be true or false", position(tuple.getValueNode()));
        return defaultValue;
    }

    private OptionalInt integer(NodeTuple tuple, int min, int max) {
        String value = scalar(tuple.getValueNode());
        try {
            int parsed = Integer.parseInt(value == null ? "" : value);
            if (parsed >= min && parsed <= max) {
                return OptionalInt.of(parsed);
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        error("CONFIG_INVALID_VALUE", keyNameOr(tuple) + " must be a whole number from " + min + " to " + max,
                position(tuple.getValueNode()));
        return OptionalInt.empty();
    }

    private static String keyNameOr(NodeTuple tuple) {
        return tuple.getKeyNode() instanceof ScalarNode scalar ? scalar.getValue() : "value";
    }

    private static String scalar(Node node) {
        return node instanceof ScalarNode scalar ? scalar.getValue() : null;
    }

    private static Position position(Node node) {
        return position(node.getStartMark());
    }

    private static Position position(Mark mark) {
        return new Position(mark.getLine() + 1, mark.getColumn() + 1);
    }

    private void error(String code, String message, Position at) {
        issues.add(new ConfigIssue(ConfigIssue.Severity.ERROR, code, message, file, at.line(), at.column()));
    }
}
