package org.syncsuite.core.service;

import java.io.IOException;
import java.io.StringReader;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

import org.syncsuite.core.config.ConfigIssue;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Reads {@code service.yaml} into a {@link ServiceConfig}: PowerSync's keys, the {@code !env NAME}
 * tag (with {@code ::number}, {@code ::boolean} and {@code ::string} suffixes), and our
 * {@code kafka:} section. Every problem is reported at once, naming file, line, column and key;
 * unknown keys inside a known section are errors (a typo must not silently fall back to a
 * default), unknown top-level sections of PowerSync's format are accepted.
 */
public final class ServiceConfigReader {

    private static final Set<String> TOP_LEVEL = Set.of("replication", "storage", "port", "sync_config", "sync_rules",
            "client_auth", "api", "kafka", "attachments", "telemetry", "healthcheck", "migrations", "system",
            "metadata", "parameters");

    private final Path file;
    private final Function<String, String> environment;
    private final List<ConfigIssue> issues = new ArrayList<>();

    private ServiceConfigReader(Path file, Function<String, String> environment) {
        this.file = file;
        this.environment = environment;
    }

    /** Reads the file, resolving {@code !env} from the process environment. */
    public static ServiceConfig read(Path file) {
        try {
            return read(file, Files.readString(file, StandardCharsets.UTF_8), System::getenv);
        } catch (IOException e) {
            throw new ServiceConfigException(List.of(new ConfigIssue(ConfigIssue.Severity.ERROR, "CONFIG_UNREADABLE",
                    "Cannot read the service config: " + e.getMessage(), file.toString(), 1, 1)));
        }
    }

    public static ServiceConfig read(Path file, String yaml, Function<String, String> environment) {
        return new ServiceConfigReader(file, environment).run(yaml);
    }

    private ServiceConfig run(String yaml) {
        Node root;
        try {
            LoaderOptions options = new LoaderOptions();
            options.setAllowDuplicateKeys(false);
            options.setMaxAliasesForCollections(20);
            root = new Yaml(options).compose(new StringReader(yaml));
        } catch (MarkedYAMLException e) {
            Mark mark = e.getProblemMark();
            issue("YAML_SYNTAX", "", "Not valid YAML: " + e.getProblem(), mark == null ? 1 : mark.getLine() + 1,
                    mark == null ? 1 : mark.getColumn() + 1);
            throw new ServiceConfigException(issues);
        }
        if (!(root instanceof MappingNode mapping)) {
            issue("CONFIG_NOT_A_MAPPING", "", "The service config is a mapping of sections", 1, 1);
            throw new ServiceConfigException(issues);
        }
        Section top = new Section(mapping, "");
        ServiceConfig.SourceConnection connection = connection(top);
        Optional<ServiceConfig.StorageConfig> storage = top.section("storage").map(this::storage);
        int port = top.integer("port", 8080, 1, 65_535);
        Optional<ServiceConfig.SyncConfigSource> syncConfig = syncConfig(top);
        ServiceConfig.ClientAuth clientAuth = top.section("client_auth").map(this::clientAuth)
                .orElse(new ServiceConfig.ClientAuth(List.of(), Optional.empty(), List.of(), false, Optional.empty(), List.of()));
        ServiceConfig.Api api = api(top.section("api"));
        Optional<ServiceConfig.KafkaConfig> kafka = top.section("kafka").map(this::kafka);
        Optional<ServiceConfig.AttachmentsConfig> attachments = top.section("attachments").map(a -> attachments(a, storage));
        for (String key : top.remainingKeys()) {
            if (!TOP_LEVEL.contains(key)) {
                top.unknown(key, TOP_LEVEL);
            }
        }
        if (!issues.isEmpty()) {
            throw new ServiceConfigException(issues);
        }
        return new ServiceConfig(file, connection, storage, port, syncConfig, clientAuth, api, kafka, attachments);
    }

    private ServiceConfig.SourceConnection connection(Section top) {
        Optional<Section> replication = top.section("replication");
        if (replication.isEmpty()) {
            top.missing("replication", "replication.connections with one MySQL or MariaDB connection");
            return null;
        }
        List<Section> connections = replication.get().sections("connections");
        replication.get().finish(Set.of("connections"));
        if (connections.size() != 1) {
            replication.get().invalid("connections", "exactly one connection is supported, not " + connections.size());
            return null;
        }
        Section c = connections.getFirst();
        String type = c.string("type", null);
        if (type != null && !type.equals("mysql") && !type.equals("mariadb")) {
            c.invalid("type", "this service replicates MySQL and MariaDB: type must be mysql (or mariadb), not " + type);
        }
        Map<String, String> fromUri = c.has("uri") ? parseUri(c, c.string("uri", null)) : Map.of();
        String hostname = c.string("hostname", fromUri.get("hostname"));
        int port = c.has("port") ? c.integer("port", 3306, 1, 65_535) : Integer.parseInt(fromUri.getOrDefault("port", "3306"));
        String database = c.string("database", fromUri.get("database"));
        String username = c.string("username", fromUri.get("username"));
        String password = c.string("password", fromUri.get("password"));
        for (String[] required : new String[][] {{"hostname", hostname}, {"database", database}, {"username", username},
            {"password", password}}) {
            if (required[1] == null) {
                c.missing(required[0], "a " + required[0] + " (or a uri: mysql://user:password@host:3306/database)");
            }
        }
        ServiceConfig.SourceConnection result = new ServiceConfig.SourceConnection(
                c.string("id", "default"), c.string("tag", "default"), type == null ? "mysql" : type,
                hostname, port, database, username, password, c.integer("server_id", 1, 1, Integer.MAX_VALUE), tls(c),
                c.integer("binlog_queue_memory_limit", 50, 1, 10_000), c.bool("debug_api", false));
        c.finish(Set.of("type", "id", "tag", "uri", "hostname", "port", "database", "username", "password", "server_id",
                "cacert", "client_certificate", "client_private_key", "reject_ip_ranges", "binlog_queue_memory_limit",
                "debug_api"));
        if (type == null) {
            c.missing("type", "type: mysql");
        }
        if (result.id().isBlank() || !result.id().matches("[A-Za-z0-9_.-]+")) {
            c.invalid("id", "a connection id names Kafka topics: letters, digits, '.', '_' and '-' only");
        }
        return result;
    }

    private ServiceConfig.Tls tls(Section s) {
        return new ServiceConfig.Tls(Optional.ofNullable(s.string("cacert", null)),
                Optional.ofNullable(s.string("client_certificate", null)),
                Optional.ofNullable(s.string("client_private_key", null)));
    }

    private Map<String, String> parseUri(Section s, String uri) {
        Map<String, String> parts = new LinkedHashMap<>();
        try {
            URI parsed = URI.create(uri);
            if (parsed.getScheme() == null || !(parsed.getScheme().equals("mysql") || parsed.getScheme().equals("mariadb"))) {
                s.invalid("uri", "the uri must look like mysql://user:password@host:3306/database");
                return parts;
            }
            if (parsed.getHost() != null) {
                parts.put("hostname", parsed.getHost());
            }
            if (parsed.getPort() > 0) {
                parts.put("port", Integer.toString(parsed.getPort()));
            }
            String path = parsed.getRawPath();
            if (path != null && path.length() > 1) {
                parts.put("database", URLDecoder.decode(path.substring(1), StandardCharsets.UTF_8));
            }
            String userInfo = parsed.getRawUserInfo();
            if (userInfo != null) {
                int colon = userInfo.indexOf(':');
                parts.put("username", URLDecoder.decode(colon < 0 ? userInfo : userInfo.substring(0, colon), StandardCharsets.UTF_8));
                if (colon >= 0) {
                    parts.put("password", URLDecoder.decode(userInfo.substring(colon + 1), StandardCharsets.UTF_8));
                }
            }
        } catch (IllegalArgumentException e) {
            s.invalid("uri", "the uri must look like mysql://user:password@host:3306/database");
        }
        return parts;
    }

    private ServiceConfig.StorageConfig storage(Section s) {
        String type = s.string("type", "mysql");
        if (!type.equals("mysql") && !type.equals("mariadb")) {
            s.invalid("type", "bucket storage is a MySQL or MariaDB database here: type must be mysql, not " + type);
        }
        Map<String, String> fromUri = s.has("uri") ? parseUri(s, s.string("uri", null)) : Map.of();
        String hostname = s.string("hostname", fromUri.get("hostname"));
        if (hostname == null) {
            s.missing("hostname", "a hostname (or a uri)");
        }
        ServiceConfig.StorageConfig result = new ServiceConfig.StorageConfig(type, hostname,
                s.has("port") ? s.integer("port", 3306, 1, 65_535) : Integer.parseInt(fromUri.getOrDefault("port", "3306")),
                s.string("database", fromUri.getOrDefault("database", "powersync_storage")),
                s.string("username", fromUri.getOrDefault("username", "root")),
                s.string("password", fromUri.getOrDefault("password", "")),
                s.integer("max_pool_size", 8, 1, 1000), tls(s));
        s.finish(Set.of("type", "uri", "hostname", "port", "database", "username", "password", "max_pool_size",
                "cacert", "client_certificate", "client_private_key", "default_storage_version"));
        return result;
    }

    private Optional<ServiceConfig.SyncConfigSource> syncConfig(Section top) {
        if (top.has("sync_config") && top.has("sync_rules")) {
            top.invalid("sync_rules", "sync_rules is the old name of sync_config: keep one");
        }
        Optional<Section> section = top.section("sync_config").or(() -> top.section("sync_rules"));
        return section.map(s -> {
            Optional<Path> path = Optional.ofNullable(s.string("path", null))
                    .map(p -> (file.getParent() == null ? Path.of(p) : file.getParent().resolve(p)).normalize());
            Optional<String> content = Optional.ofNullable(s.string("content", null));
            if (path.isPresent() && content.isPresent()) {
                s.invalid("content", "give the sync config either as path: or as content:, not both");
            }
            boolean exitOnError = s.bool("exit_on_error", true);
            s.finish(Set.of("path", "content", "exit_on_error"));
            return new ServiceConfig.SyncConfigSource(path, content, exitOnError);
        });
    }

    private ServiceConfig.ClientAuth clientAuth(Section s) {
        List<String> uris = s.stringOrList("jwks_uri");
        for (String uri : uris) {
            if (!uri.startsWith("https://") && !uri.startsWith("http://")) {
                s.invalid("jwks_uri", "a JWKS URI is http:// or https://, not " + uri);
            }
        }
        Optional<String> jwks = s.json("jwks");
        boolean supabase = s.bool("supabase", false);
        ServiceConfig.ClientAuth result = new ServiceConfig.ClientAuth(uris, jwks, s.stringOrList("audience"), supabase,
                Optional.ofNullable(s.string("supabase_jwt_secret", null)), s.stringOrList("jwks_reject_ip_ranges"));
        s.finish(Set.of("jwks_uri", "jwks", "audience", "supabase", "supabase_jwt_secret", "jwks_reject_ip_ranges",
                "block_local_jwks"));
        return result;
    }

    private ServiceConfig.Api api(Optional<Section> section) {
        if (section.isEmpty()) {
            return new ServiceConfig.Api(List.of(), 10_000, 1000, 1000, 60);
        }
        Section s = section.get();
        List<String> tokens = s.stringOrList("tokens");
        Optional<Section> parameters = s.section("parameters");
        s.finish(Set.of("tokens", "parameters"));
        if (parameters.isEmpty()) {
            return new ServiceConfig.Api(tokens, 10_000, 1000, 1000, 60);
        }
        Section p = parameters.get();
        ServiceConfig.Api result = new ServiceConfig.Api(tokens,
                p.integer("max_concurrent_connections", 10_000, 1, 1_000_000),
                p.integer("max_buckets_per_connection", 1000, 1, 1_000_000),
                p.integer("max_parameter_query_results", 1000, 1, 1_000_000),
                p.integer("checkpoint_request_retention_minutes", 60, 1, 525_600));
        p.finish(Set.of("max_concurrent_connections", "max_buckets_per_connection", "max_parameter_query_results",
                "checkpoint_request_retention_minutes", "max_data_fetch_concurrency", "bucket_count_cache_ttl_minutes"));
        return result;
    }

    private ServiceConfig.KafkaConfig kafka(Section s) {
        String bootstrap = s.string("bootstrap_servers", null);
        if (bootstrap == null) {
            s.missing("bootstrap_servers", "bootstrap_servers: host:9092[,host2:9092]");
        }
        String prefix = s.string("topic_prefix", "powersync");
        if (!prefix.matches("[A-Za-z0-9_.-]+")) {
            s.invalid("topic_prefix", "Kafka topic names take letters, digits, '.', '_' and '-' only");
        }
        Map<String, String> properties = new LinkedHashMap<>();
        s.section("properties").ifPresent(p -> {
            for (String key : p.remainingKeys()) {
                properties.put(key, p.string(key, ""));
            }
        });
        s.finish(Set.of("bootstrap_servers", "topic_prefix", "properties"));
        return new ServiceConfig.KafkaConfig(bootstrap == null ? "" : bootstrap, prefix, properties);
    }

    private ServiceConfig.AttachmentsConfig attachments(Section s, Optional<ServiceConfig.StorageConfig> storage) {
        Optional<Section> s3 = s.section("s3");
        String endpoint = s3.map(x -> x.string("endpoint", null)).orElse(null);
        if (endpoint == null) {
            (s3.isPresent() ? s3.get() : s).missing(s3.isPresent() ? "endpoint" : "s3", "the S3-compatible store's endpoint, "
                    + "e.g. s3: {endpoint: https://s3.eu-west-1.amazonaws.com, bucket: attachments}");
        } else if (!endpoint.matches("https?://.+")) {
            s3.get().invalid("endpoint", "must be an http:// or https:// URL, not " + endpoint);
        }
        String bucket = s3.map(x -> x.string("bucket", "attachments")).orElse("attachments");
        if (!bucket.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
            s3.orElse(s).invalid("bucket", "an S3 bucket name is 3 to 63 lower-case letters, digits, '.' and '-', not " + bucket);
        }
        String accessKey = s3.map(x -> x.string("access_key", null)).orElse(null);
        String secretKey = s3.map(x -> x.string("secret_key", null)).orElse(null);
        accessKey = accessKey != null ? accessKey : environment.apply("AWS_ACCESS_KEY_ID");
        secretKey = secretKey != null ? secretKey : environment.apply("AWS_SECRET_ACCESS_KEY");
        String region = s3.map(x -> x.string("region", "us-east-1")).orElse("us-east-1");
        boolean create = s3.map(x -> x.bool("create_bucket", true)).orElse(true);
        s3.ifPresent(x -> x.finish(Set.of("endpoint", "region", "bucket", "access_key", "secret_key", "create_bucket")));
        ServiceConfig.StorageConfig database = s.section("database").map(this::storage).orElseGet(() -> storage
                .map(st -> new ServiceConfig.StorageConfig(st.type(), st.hostname(), st.port(), "powersync_attachments", st.username(),
                        st.password(), st.maxPoolSize(), st.tls()))
                .orElse(null));
        if (database == null) {
            s.missing("database", "the metadata database (a storage-like section), or a storage: section whose server it shares");
        }
        ServiceConfig.AttachmentsConfig result = new ServiceConfig.AttachmentsConfig(endpoint == null ? "" : endpoint, region, bucket,
                accessKey == null ? "" : accessKey, secretKey == null ? "" : secretKey, create, database,
                s.integer("max_file_size_mb", 100, 1, 5_000_000) * 1024L * 1024L,
                s.integer("user_quota_mb", 1024, 1, Integer.MAX_VALUE) * 1024L * 1024L,
                s.stringOrList("allowed_media_types"), s.integer("presigned_url_expiry_seconds", 900, 1, 604_800),
                s.integer("upload_expiry_minutes", 1440, 1, 525_600), s.integer("orphan_sweep_minutes", 60, 0, 525_600));
        for (String type : result.allowedMediaTypes()) {
            if (!type.matches("[a-z0-9][a-z0-9!#$&^_.+-]*/([a-z0-9][a-z0-9!#$&^_.+-]*|\\*)")) {
                s.invalid("allowed_media_types", "a media type is type/subtype or type/*, not " + type);
            }
        }
        s.finish(Set.of("s3", "database", "max_file_size_mb", "user_quota_mb", "allowed_media_types", "presigned_url_expiry_seconds",
                "upload_expiry_minutes", "orphan_sweep_minutes"));
        return result;
    }

    // ---- typed access to one mapping, with positions and consumed keys

    /** A mapping of the config, read key by key; {@link #finish} reports the keys nobody read. */
    private final class Section {
        private final MappingNode node;
        private final String path;
        private final Map<String, NodeTuple> entries = new LinkedHashMap<>();
        private final Set<String> read = new HashSet<>();

        Section(MappingNode node, String path) {
            this.node = node;
            this.path = path;
            for (NodeTuple tuple : node.getValue()) {
                if (tuple.getKeyNode() instanceof ScalarNode key) {
                    entries.put(key.getValue(), tuple);
                }
            }
        }

        boolean has(String key) {
            return entries.containsKey(key);
        }

        private String keyPath(String key) {
            return path.isEmpty() ? key : path + "." + key;
        }

        Optional<Section> section(String key) {
            read.add(key);
            NodeTuple tuple = entries.get(key);
            if (tuple == null) {
                return Optional.empty();
            }
            if (tuple.getValueNode() instanceof MappingNode mapping) {
                return Optional.of(new Section(mapping, keyPath(key)));
            }
            at(tuple.getValueNode(), "CONFIG_INVALID_VALUE", keyPath(key), "must be a mapping");
            return Optional.empty();
        }

        List<Section> sections(String key) {
            read.add(key);
            NodeTuple tuple = entries.get(key);
            List<Section> result = new ArrayList<>();
            if (tuple == null) {
                return result;
            }
            if (!(tuple.getValueNode() instanceof SequenceNode sequence)) {
                at(tuple.getValueNode(), "CONFIG_INVALID_VALUE", keyPath(key), "must be a list");
                return result;
            }
            int i = 0;
            for (Node item : sequence.getValue()) {
                if (item instanceof MappingNode mapping) {
                    result.add(new Section(mapping, keyPath(key) + "[" + i + "]"));
                } else {
                    at(item, "CONFIG_INVALID_VALUE", keyPath(key) + "[" + i + "]", "must be a mapping");
                }
                i++;
            }
            return result;
        }

        String string(String key, String defaultValue) {
            read.add(key);
            NodeTuple tuple = entries.get(key);
            if (tuple == null) {
                return defaultValue;
            }
            Optional<String> value = scalar(tuple.getValueNode(), keyPath(key));
            return value.orElse(defaultValue);
        }

        int integer(String key, int defaultValue, int min, int max) {
            String text = string(key, null);
            if (text == null) {
                return defaultValue;
            }
            try {
                int value = Integer.parseInt(text.trim());
                if (value >= min && value <= max) {
                    return value;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            invalid(key, "must be a whole number from " + min + " to " + max + ", not " + text);
            return defaultValue;
        }

        boolean bool(String key, boolean defaultValue) {
            String text = string(key, null);
            if (text == null) {
                return defaultValue;
            }
            if (text.equals("true") || text.equals("false")) {
                return Boolean.parseBoolean(text);
            }
            invalid(key, "must be true or false, not " + text);
            return defaultValue;
        }

        List<String> stringOrList(String key) {
            read.add(key);
            NodeTuple tuple = entries.get(key);
            List<String> result = new ArrayList<>();
            if (tuple == null) {
                return result;
            }
            if (tuple.getValueNode() instanceof SequenceNode sequence) {
                int i = 0;
                for (Node item : sequence.getValue()) {
                    scalar(item, keyPath(key) + "[" + i++ + "]").ifPresent(result::add);
                }
            } else {
                scalar(tuple.getValueNode(), keyPath(key)).ifPresent(result::add);
            }
            return result;
        }

        /** A nested value as JSON text (for inline key sets). */
        Optional<String> json(String key) {
            read.add(key);
            NodeTuple tuple = entries.get(key);
            if (tuple == null) {
                return Optional.empty();
            }
            StringBuilder out = new StringBuilder();
            writeJson(tuple.getValueNode(), keyPath(key), out);
            return Optional.of(out.toString());
        }

        private void writeJson(Node value, String at, StringBuilder out) {
            org.syncsuite.core.JsonWriter json = new org.syncsuite.core.JsonWriter(out);
            write(json, value, at);
        }

        private void write(org.syncsuite.core.JsonWriter json, Node value, String at) {
            if (value instanceof MappingNode mapping) {
                json.beginObject();
                for (NodeTuple tuple : mapping.getValue()) {
                    json.name(((ScalarNode) tuple.getKeyNode()).getValue());
                    write(json, tuple.getValueNode(), at);
                }
                json.endObject();
            } else if (value instanceof SequenceNode sequence) {
                json.beginArray();
                sequence.getValue().forEach(item -> write(json, item, at));
                json.endArray();
            } else {
                json.value(scalar(value, at).orElse(null));
            }
        }

        Set<String> remainingKeys() {
            Set<String> keys = new java.util.LinkedHashSet<>(entries.keySet());
            keys.removeAll(read);
            read.addAll(keys);
            return keys;
        }

        void finish(Set<String> allowed) {
            for (String key : entries.keySet()) {
                if (!read.contains(key) && !allowed.contains(key)) {
                    unknown(key, allowed);
                }
            }
        }

        void unknown(String key, Set<String> allowed) {
            at(entries.get(key).getKeyNode(), "CONFIG_UNKNOWN_KEY", keyPath(key), "is not a known key here; known: "
                    + String.join(", ", allowed.stream().sorted().toList()));
        }

        void missing(String key, String what) {
            issueAt(node, "CONFIG_MISSING_KEY", keyPath(key), "is required: add " + what);
        }

        void invalid(String key, String message) {
            NodeTuple tuple = entries.get(key);
            if (tuple == null) {
                issueAt(node, "CONFIG_INVALID_VALUE", keyPath(key), message);
            } else {
                at(tuple.getValueNode(), "CONFIG_INVALID_VALUE", keyPath(key), message);
            }
        }

        /** A scalar's text, with {@code !env NAME[::type]} resolved from the environment. */
        private Optional<String> scalar(Node value, String at) {
            if (!(value instanceof ScalarNode scalar)) {
                at(value, "CONFIG_INVALID_VALUE", at, "must be a single value");
                return Optional.empty();
            }
            String text = scalar.getValue();
            if ("!env".equals(scalar.getTag().getValue())) {
                String name = text.trim();
                String type = "string";
                int separator = name.indexOf("::");
                if (separator >= 0) {
                    type = name.substring(separator + 2);
                    name = name.substring(0, separator);
                }
                if (!Set.of("string", "number", "boolean").contains(type)) {
                    at(value, "CONFIG_INVALID_VALUE", at, "!env types are ::string, ::number and ::boolean, not ::" + type);
                    return Optional.empty();
                }
                String resolved = environment.apply(name);
                if (resolved == null) {
                    at(value, "CONFIG_ENV_UNDEFINED", at, "uses !env " + name + ", but the environment variable " + name
                            + " is not set");
                    return Optional.empty();
                }
                if (type.equals("number") && !resolved.trim().matches("-?\\d+(\\.\\d+)?")) {
                    at(value, "CONFIG_INVALID_VALUE", at, "!env " + name + "::number is not a number");
                    return Optional.empty();
                }
                if (type.equals("boolean") && !resolved.trim().matches("true|false")) {
                    at(value, "CONFIG_INVALID_VALUE", at, "!env " + name + "::boolean is not true or false");
                    return Optional.empty();
                }
                return Optional.of(type.equals("string") ? resolved : resolved.trim());
            }
            if (scalar.getTag().getValue().equals("tag:yaml.org,2002:null") || text.equals("~")) {
                return Optional.empty();
            }
            return Optional.of(text);
        }
    }

    private void at(Node node, String code, String key, String message) {
        issueAt(node, code, key, message);
    }

    private void issueAt(Node node, String code, String key, String message) {
        Mark mark = node.getStartMark();
        issue(code, key, message, mark.getLine() + 1, mark.getColumn() + 1);
    }

    private void issue(String code, String key, String message, int line, int column) {
        issues.add(new ConfigIssue(ConfigIssue.Severity.ERROR, code, (key.isEmpty() ? "" : key + " ") + message,
                file.toString(), line, column));
    }
}
