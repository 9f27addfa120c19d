package org.syncsuite.cli.migrate;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.syncsuite.core.SqliteValue;
import org.syncsuite.core.config.ConfigIssue;
import org.syncsuite.core.config.Position;
import org.syncsuite.core.config.QueryText;
import org.syncsuite.core.config.SyncConfigCompiler;
import org.syncsuite.core.config.SyncConfigDocument;
import org.syncsuite.core.config.SyncConfigException;
import org.syncsuite.core.config.SyncConfigReader;
import org.syncsuite.core.mysql.TimestampPrecision;
import org.syncsuite.core.sql.Expr;
import org.syncsuite.core.sql.Parser;
import org.syncsuite.core.sql.Select;
import org.syncsuite.core.sql.SqlSyntaxException;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * Converts a legacy sync config ({@code bucket_definitions:}) into Sync Streams
 * ({@code config: edition: 3}, {@code streams:}), as {@code powersync migrate sync-rules} does.
 * Each bucket definition becomes an auto-subscribed stream of the same name, so that a client
 * keeps receiving the same rows without subscribing. Its parameter queries are folded into the
 * data queries' conditions: request values become {@code auth.*} and {@code connection.*}
 * functions, a parameter query over a table becomes {@code col IN (SELECT ...)}, a
 * {@code json_each} parameter query becomes {@code col IN <array>}. A definition with several
 * parameter or data queries becomes a stream with {@code queries:}. Anything without a Sync
 * Streams form is reported, with the definition and line, in a {@link SyncRulesMigrationException};
 * the result always compiles.
 */
public final class SyncRulesMigrator {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String file;
    private final SyncConfigDocument document;
    private final List<MigrationProblem> problems = new ArrayList<>();

    private SyncRulesMigrator(String file, SyncConfigDocument document) {
        this.file = file;
        this.document = document;
    }

    /**
     * The Sync Streams config for a legacy config.
     *
     * @param fileName   the input's name, for problem reports
     * @param legacyYaml the legacy config's text
     * @throws SyncRulesMigrationException when the input is not a valid legacy config, or has
     *                                     parts that cannot be expressed as Sync Streams
     */
    public static String migrate(String fileName, String legacyYaml) {
        SyncConfigDocument document = SyncConfigReader.read(fileName, legacyYaml);
        try {
            SyncConfigCompiler.compile(document, SyncConfigCompiler.Options.DEFAULT);
        } catch (SyncConfigException e) {
            throw new SyncRulesMigrationException(fileName, e.issues().stream().filter(ConfigIssue::isError)
                    .map(issue -> new MigrationProblem("", issue.line(), issue.column(), "The legacy config is not valid: "
                            + issue.code() + ": " + issue.message())).toList());
        }
        if (document.bucketDefinitions().isEmpty()) {
            throw new SyncRulesMigrationException(fileName, List.of(new MigrationProblem("", 1, 1,
                    "There are no bucket_definitions to migrate")));
        }
        return new SyncRulesMigrator(fileName, document).run(legacyYaml);
    }

    private String run(String legacyYaml) {
        List<MigratedStream> migrated = new ArrayList<>();
        for (SyncConfigDocument.BucketDefinition definition : document.bucketDefinitions()) {
            new Definition(definition).migrate().ifPresent(migrated::add);
        }
        if (!problems.isEmpty()) {
            throw new SyncRulesMigrationException(file, problems);
        }
        String output = write(migrated, legacyYaml);
        try {
            SyncConfigCompiler.compile(file, output);
        } catch (SyncConfigException e) {
            throw new SyncRulesMigrationException(file, e.issues().stream().filter(ConfigIssue::isError)
                    .map(issue -> new MigrationProblem(definitionAt(migrated, output, issue.line()), 0, 0,
                            "The migrated stream does not compile: " + issue.code() + ": " + issue.message())).toList());
        }
        return output;
    }

    /** The stream a line of the output belongs to (for reporting). */
    private static String definitionAt(List<MigratedStream> streams, String output, int line) {
        String[] lines = output.split("\n", -1);
        for (int i = Math.min(line, lines.length) - 1; i >= 0; i--) {
            for (MigratedStream stream : streams) {
                if (lines[i].equals("  " + yamlKey(stream.name) + ":")) {
                    return stream.name;
                }
            }
        }
        return "";
    }

    // ------------------------------------------------------------------ one bucket definition

    /** A stream as written: name, priority, flag and queries. */
    private record MigratedStream(String name, OptionalInt priority, boolean acceptDangerous, List<String> queries) {
    }

    /** How the values of a definition's bucket parameters are obtained for a request. */
    private sealed interface Binding {
    }

    /** No parameter query: one bucket for everyone. */
    private record Global() implements Binding {
    }

    /** {@code SELECT <request values> [WHERE <request condition>]}. */
    private record Static(Map<String, Expr> values, List<Expr> gates) implements Binding {
    }

    /** {@code SELECT value AS p FROM json_each(<request array>)}. */
    private record Each(String parameter, Expr array) implements Binding {
    }

    /** {@code SELECT col AS p FROM table WHERE ...}: the subquery giving p's values. */
    private record Lookup(String parameter, Select subquery) implements Binding {
    }

    private final class Definition {
        private final SyncConfigDocument.BucketDefinition definition;
        private final Set<Integer> priorities = new TreeSet<>();
        private int problemsBefore;

        Definition(SyncConfigDocument.BucketDefinition definition) {
            this.definition = definition;
        }

        Optional<MigratedStream> migrate() {
            problemsBefore = problems.size();
            List<Binding> bindings = new ArrayList<>();
            if (definition.parameterQueries().isEmpty()) {
                bindings.add(new Global());
            }
            for (QueryText query : definition.parameterQueries()) {
                binding(query).ifPresent(bindings::add);
            }
            OptionalInt priority = definition.priority();
            if (priority.isEmpty() && !priorities.isEmpty()) {
                if (priorities.size() > 1) {
                    problem(definition.position(), "Its parameter queries set different priorities (_priority "
                            + priorities + "); a stream has one priority: split it into several definitions first");
                } else if (priorities.iterator().next() != 3) {
                    priority = OptionalInt.of(priorities.iterator().next());
                }
            }
            LinkedHashSet<String> queries = new LinkedHashSet<>();
            for (Binding binding : bindings) {
                for (QueryText query : definition.dataQueries()) {
                    dataQuery(query, binding).ifPresent(queries::add);
                }
            }
            if (problems.size() > problemsBefore) {
                return Optional.empty();
            }
            return Optional.of(new MigratedStream(definition.name(), priority, definition.acceptPotentiallyDangerousQueries(),
                    List.copyOf(queries)));
        }

        private Optional<Binding> binding(QueryText query) {
            Select select = parse(query);
            Map<String, Expr> outputs = new LinkedHashMap<>();
            boolean hasPriority = false;
            for (Select.Projection projection : select.projections()) {
                Select.Item item = (Select.Item) projection; // the legacy compile rejects * here
                String name = item.outputName().orElseThrow();
                if (name.equals("_priority")) {
                    priorities.add((int) ((SqliteValue.Integer) ((Expr.Literal) item.expr()).value()).value());
                    hasPriority = true;
                } else {
                    outputs.put(name, item.expr());
                }
            }
            if (!hasPriority) {
                priorities.add(definition.priority().orElse(3));
            }
            if (select.from().isEmpty()) {
                Map<String, Expr> values = new LinkedHashMap<>();
                outputs.forEach((name, expr) -> values.put(name, request(expr)));
                return Optional.of(new Static(values, select.where().map(where -> List.of(request(where))).orElse(List.of())));
            }
            if (select.from().get() instanceof Select.TableFunction function) {
                return each(query, select, function, outputs);
            }
            return lookup(query, select, outputs);
        }

        private Optional<Binding> each(QueryText query, Select select, Select.TableFunction function, Map<String, Expr> outputs) {
            String alias = function.alias().orElse("json_each");
            if (select.where().isPresent()) {
                problem(query, select.where().get().offset(), "A condition on json_each elements has no Sync Streams "
                        + "form: filter the array in the token instead");
                return Optional.empty();
            }
            if (outputs.size() != 1 || !(outputs.values().iterator().next() instanceof Expr.Column column)
                    || !column.name().equalsIgnoreCase("value")
                    || !column.qualifier().map(q -> q.equalsIgnoreCase(alias)).orElse(true)) {
                problem(query, select.offset(), "Only SELECT value AS <parameter> FROM json_each(...) has a Sync Streams "
                        + "form (col IN <array>); this query outputs " + outputs.keySet());
                return Optional.empty();
            }
            return Optional.of(new Each(outputs.keySet().iterator().next(), array(function.args().getFirst())));
        }

        private Optional<Binding> lookup(QueryText query, Select select, Map<String, Expr> outputs) {
            if (outputs.isEmpty()) {
                problem(query, select.offset(), "A parameter query over a table without outputs (an access check) has "
                        + "no Sync Streams form: output the checked column and compare it in the data queries");
                return Optional.empty();
            }
            if (outputs.size() > 1) {
                problem(query, select.offset(), "A parameter query over a table with several outputs " + outputs.keySet()
                        + " ties their values to one row; separate subqueries would not: give each definition one "
                        + "table-valued parameter");
                return Optional.empty();
            }
            Map.Entry<String, Expr> output = outputs.entrySet().iterator().next();
            if (!readsColumns(output.getValue())) {
                problem(query, output.getValue().offset(), "The parameter " + output.getKey() + " does not come from the "
                        + "table's rows; only a column (or an expression over columns) becomes a subquery");
                return Optional.empty();
            }
            Select subquery = new Select(List.of(new Select.Item(request(output.getValue()), Optional.empty(), select.offset())),
                    select.from(), List.of(), select.where().map(this::request), select.offset());
            return Optional.of(new Lookup(output.getKey(), subquery));
        }

        private Optional<String> dataQuery(QueryText query, Binding binding) {
            Select select = parse(query);
            int before = problems.size();
            List<Expr> conditions = new ArrayList<>();
            select.where().ifPresent(where -> conditions.add(substitute(where, binding, query)));
            if (binding instanceof Static s) {
                conditions.addAll(s.gates());
            }
            if (problems.size() > before) {
                return Optional.empty();
            }
            Optional<Expr> where = conditions.stream().reduce((a, b) -> new Expr.Binary("AND", a, b, a.offset()));
            List<Select.Projection> projections = select.projections().stream().map(this::projection).toList();
            Select rewritten = new Select(projections, select.from(), select.joins(), where, select.offset());
            return Optional.of(rewritten.equals(select) ? query.sql().strip() : SqlWriter.select(rewritten));
        }

        private Select.Projection projection(Select.Projection projection) {
            if (projection instanceof Select.Item item) {
                Expr expr = paths(item.expr());
                return expr == item.expr() ? item : new Select.Item(expr, item.alias(), item.offset());
            }
            return projection;
        }

        /** The data query's condition with its bucket parameters replaced by the binding's values. */
        private Expr substitute(Expr where, Binding binding, QueryText query) {
            return rewrite(paths(where), expr -> {
                if (expr instanceof Expr.Binary binary && binary.operator().equals("=")) {
                    Optional<String> left = bucketParameter(binary.left());
                    Optional<String> right = bucketParameter(binary.right());
                    if (left.isPresent() || right.isPresent()) {
                        Expr row = right.isPresent() ? binary.left() : binary.right();
                        String parameter = right.or(() -> left).get();
                        return equalTo(row, parameter, binding, query, binary.offset());
                    }
                }
                if (expr instanceof Expr.InExpr in && !in.negated() && bucketParameter(in.value()).isPresent()) {
                    String parameter = bucketParameter(in.value()).get();
                    if (binding instanceof Static s) {
                        return new Expr.InExpr(s.values().get(parameter), in.array(), false, in.offset());
                    }
                    problem(query, in.offset(), "bucket." + parameter + " IN <array column> needs a single value of "
                            + parameter + ", but its parameter query gives a set of values (array overlap has no Sync "
                            + "Streams form here)");
                    return expr;
                }
                if (bucketParameter(expr).isPresent()) {
                    String parameter = bucketParameter(expr).get();
                    if (binding instanceof Static s) {
                        return s.values().get(parameter);
                    }
                    problem(query, expr.offset(), "bucket." + parameter + " is used outside col = bucket." + parameter);
                    return expr;
                }
                return null;
            });
        }

        private Expr equalTo(Expr row, String parameter, Binding binding, QueryText query, int offset) {
            return switch (binding) {
                case Static s -> new Expr.Binary("=", row, s.values().get(parameter), offset);
                case Each e -> new Expr.InExpr(row, e.array(), false, offset);
                case Lookup l -> new Expr.InSelect(row, l.subquery(), false, offset);
                case Global g -> {
                    problem(query, offset, "bucket." + parameter + " is not a parameter of " + definition.name());
                    yield row;
                }
            };
        }

        /** A request expression in Sync Streams terms: auth.*, connection.*. */
        private Expr request(Expr expr) {
            return rewrite(paths(expr), e -> switch (e) {
                case Expr.Binary binary when binary.operator().equals("->>") && requestObject(binary.left()).isPresent()
                        && binary.right() instanceof Expr.Literal literal && literal.value() instanceof SqliteValue.Text key ->
                        new Expr.Call(requestObject(binary.left()).get() + ".parameter",
                                List.of(new Expr.Literal(SqliteValue.of(key.value()), literal.offset())), binary.offset());
                case Expr.Call call when call.name().equals("request.user_id") -> new Expr.Call("auth.user_id", List.of(), call.offset());
                case Expr.Call call when call.name().equals("request.jwt") -> new Expr.Call("auth.parameters", List.of(), call.offset());
                case Expr.Call call when call.name().equals("request.parameters") ->
                        new Expr.Call("connection.parameters", List.of(), call.offset());
                case Expr.Column column when qualifier(column).equals("token_parameters") -> column.name().equals("user_id")
                        ? new Expr.Call("auth.user_id", List.of(), column.offset())
                        : new Expr.Call("auth.parameter", List.of(new Expr.Literal(
                                SqliteValue.of("$.parameters." + column.name()), column.offset())), column.offset());
                case Expr.Column column when qualifier(column).equals("user_parameters") -> new Expr.Call("connection.parameter",
                        List.of(new Expr.Literal(SqliteValue.of(column.name()), column.offset())), column.offset());
                default -> null;
            });
        }

        /** A request array: {@code request.jwt() -> 'ids'} reads as {@code auth.parameter('ids')}. */
        private Expr array(Expr expr) {
            Expr paths = paths(expr);
            if (paths instanceof Expr.Binary binary && binary.operator().equals("->") && requestObject(binary.left()).isPresent()
                    && binary.right() instanceof Expr.Literal) {
                return request(new Expr.Binary("->>", binary.left(), binary.right(), binary.offset()));
            }
            return request(paths);
        }

        /** {@code auth} for {@code request.jwt()}, {@code connection} for {@code request.parameters()}. */
        private static Optional<String> requestObject(Expr expr) {
            if (expr instanceof Expr.Call call && call.args().isEmpty()) {
                return switch (call.name()) {
                    case "request.jwt" -> Optional.of("auth");
                    case "request.parameters" -> Optional.of("connection");
                    default -> Optional.empty();
                };
            }
            return Optional.empty();
        }

        /**
         * JSON paths keep their legacy meaning: without {@code fixed_json_extract}, {@code 'a.b'}
         * splits at dots, which edition 3 spells {@code '$.a.b'}.
         */
        private Expr paths(Expr expr) {
            if (document.options().fixedJsonExtract()) {
                return expr;
            }
            return rewrite(expr, e -> {
                if (e instanceof Expr.Binary binary && (binary.operator().equals("->") || binary.operator().equals("->>"))
                        && binary.right() instanceof Expr.Literal literal && literal.value() instanceof SqliteValue.Text key
                        && key.value().contains(".") && !key.value().startsWith("$")) {
                    return new Expr.Binary(binary.operator(), paths(binary.left()),
                            new Expr.Literal(SqliteValue.of("$." + key.value()), literal.offset()), binary.offset());
                }
                return null;
            });
        }

        private Select parse(QueryText query) {
            try {
                return Parser.parseSelect(query.sql());
            } catch (SqlSyntaxException e) {
                throw new IllegalStateException("The legacy config compiled, so its queries parse", e);
            }
        }

        private void problem(QueryText query, int offset, String message) {
            problem(query.positionOf(offset), message);
        }

        private void problem(Position at, String message) {
            problems.add(new MigrationProblem(definition.name(), at.line(), at.column(), message));
        }
    }

    private static String qualifier(Expr.Column column) {
        return column.qualifier().map(q -> q.toLowerCase(Locale.ROOT)).orElse("");
    }

    private static Optional<String> bucketParameter(Expr expr) {
        return expr instanceof Expr.Column column && qualifier(column).equals("bucket")
                ? Optional.of(column.name()) : Optional.empty();
    }

    private static boolean readsColumns(Expr expr) {
        boolean[] found = {false};
        rewrite(expr, e -> {
            if (e instanceof Expr.Column column && !qualifier(column).equals("token_parameters")
                    && !qualifier(column).equals("user_parameters")) {
                found[0] = true;
            }
            return null;
        });
        return found[0];
    }

    /**
     * Rebuilds an expression top-down: where {@code replace} answers an expression it takes the
     * node's place; where it answers null, the node's children are rewritten. Unchanged subtrees
     * stay the same instances.
     */
    static Expr rewrite(Expr expr, UnaryOperator<Expr> replace) {
        Expr replaced = replace.apply(expr);
        if (replaced != null) {
            return replaced;
        }
        return switch (expr) {
            case Expr.Literal literal -> literal;
            case Expr.Column column -> column;
            case Expr.Call call -> {
                List<Expr> args = call.args().stream().map(arg -> rewrite(arg, replace)).toList();
                yield args.equals(call.args()) ? call : new Expr.Call(call.name(), args, call.offset());
            }
            case Expr.Unary unary -> {
                Expr operand = rewrite(unary.operand(), replace);
                yield operand == unary.operand() ? unary : new Expr.Unary(unary.operator(), operand, unary.offset());
            }
            case Expr.Binary binary -> {
                Expr left = rewrite(binary.left(), replace);
                Expr right = rewrite(binary.right(), replace);
                yield left == binary.left() && right == binary.right() ? binary
                        : new Expr.Binary(binary.operator(), left, right, binary.offset());
            }
            case Expr.InList in -> new Expr.InList(rewrite(in.value(), replace),
                    in.items().stream().map(item -> rewrite(item, replace)).toList(), in.negated(), in.offset());
            case Expr.InSelect in -> new Expr.InSelect(rewrite(in.value(), replace), in.select(), in.negated(), in.offset());
            case Expr.InExpr in -> new Expr.InExpr(rewrite(in.value(), replace), rewrite(in.array(), replace), in.negated(),
                    in.offset());
            case Expr.Between between -> new Expr.Between(rewrite(between.value(), replace), rewrite(between.low(), replace),
                    rewrite(between.high(), replace), between.negated(), between.offset());
            case Expr.Case caseExpr -> new Expr.Case(caseExpr.operand().map(operand -> rewrite(operand, replace)),
                    caseExpr.whens().stream().map(when -> new Expr.When(rewrite(when.condition(), replace),
                            rewrite(when.result(), replace))).toList(),
                    caseExpr.otherwise().map(otherwise -> rewrite(otherwise, replace)), caseExpr.offset());
            case Expr.Cast cast -> {
                Expr operand = rewrite(cast.operand(), replace);
                yield operand == cast.operand() ? cast : new Expr.Cast(operand, cast.type(), cast.offset());
            }
        };
    }

    // ------------------------------------------------------------------ output

    private String write(List<MigratedStream> streams, String legacyYaml) {
        StringBuilder out = new StringBuilder();
        out.append("# Sync Streams migrated from the bucket_definitions of ").append(file).append('\n');
        out.append("config:\n  edition: 3\n");
        TimestampPrecision precision = document.options().timestampPrecision();
        if (precision != TimestampPrecision.MILLISECONDS) {
            out.append("  timestamp_max_precision: ").append(precision.name().toLowerCase(Locale.ROOT)).append('\n');
        }
        if (!document.globalWith().isEmpty()) {
            out.append("with:\n");
            document.globalWith().forEach((name, query) -> out.append("  ").append(yamlKey(name)).append(": ")
                    .append(scalar(query.sql().strip())).append('\n'));
        }
        out.append("streams:\n");
        for (MigratedStream stream : streams) {
            out.append("  ").append(yamlKey(stream.name())).append(":\n");
            out.append("    auto_subscribe: true\n");
            stream.priority().ifPresent(priority -> out.append("    priority: ").append(priority).append('\n'));
            if (stream.acceptDangerous()) {
                out.append("    accept_potentially_dangerous_queries: true\n");
            }
            queries(out, stream.queries());
        }
        for (SyncConfigDocument.StreamDefinition stream : document.streams()) {
            out.append("  ").append(yamlKey(stream.name())).append(":\n");
            if (stream.autoSubscribe()) {
                out.append("    auto_subscribe: true\n");
            }
            if (stream.priority() != 3) {
                out.append("    priority: ").append(stream.priority()).append('\n');
            }
            if (stream.acceptPotentiallyDangerousQueries()) {
                out.append("    accept_potentially_dangerous_queries: true\n");
            }
            if (!stream.with().isEmpty()) {
                out.append("    with:\n");
                stream.with().forEach((name, query) -> out.append("      ").append(yamlKey(name)).append(": ")
                        .append(scalar(query.sql().strip())).append('\n'));
            }
            queries(out, stream.queries().stream().map(q -> q.sql().strip()).toList());
        }
        Object events = eventDefinitions(legacyYaml);
        if (events != null) {
            DumperOptions options = new DumperOptions();
            options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
            options.setIndent(2);
            out.append(new Yaml(options).dump(Map.of("event_definitions", events)));
        }
        return out.toString();
    }

    private static void queries(StringBuilder out, List<String> queries) {
        if (queries.size() == 1) {
            out.append("    query: ").append(scalar(queries.getFirst())).append('\n');
        } else {
            out.append("    queries:\n");
            for (String query : queries) {
                out.append("      - ").append(scalar(query)).append('\n');
            }
        }
    }

    private static Object eventDefinitions(String yaml) {
        Object loaded = new Yaml().load(yaml);
        return loaded instanceof Map<?, ?> map ? map.get("event_definitions") : null;
    }

    private static String yamlKey(String key) {
        return scalar(key);
    }

    /** A YAML scalar: plain when it reads back as the same one-line string, else double-quoted. */
    private static String scalar(String value) {
        if (!value.contains("\n") && !value.isEmpty()) {
            try {
                Object read = new Yaml().load("k: " + value);
                if (read instanceof Map<?, ?> map && value.equals(map.get("k"))) {
                    return value;
                }
            } catch (RuntimeException e) {
                // not plain
            }
        }
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
