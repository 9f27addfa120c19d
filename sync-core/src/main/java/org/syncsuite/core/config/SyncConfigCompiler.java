package org.syncsuite.core.config;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

import org.syncsuite.core.SqliteValue;
import org.syncsuite.core.sql.EvalContext;
import org.syncsuite.core.sql.Evaluator;
import org.syncsuite.core.sql.Expr;
import org.syncsuite.core.sql.ExprCompiler;
import org.syncsuite.core.sql.Parser;
import org.syncsuite.core.sql.RequestParameters;
import org.syncsuite.core.sql.Resolver;
import org.syncsuite.core.sql.Select;
import org.syncsuite.core.sql.SqlSyntaxException;
import org.syncsuite.core.sql.SqlValues;

/**
 * Compiles a sync config into a {@link SyncPlan}. Each query's WHERE clause (with its JOIN
 * conditions) is split at OR into branches; in each branch, conditions on the row alone filter
 * rows at replication time, conditions on request values alone gate requests, and conditions
 * that tie a row expression to a request value, a subquery, a common table expression or a
 * joined table become partition keys: the bucket parameters. Subqueries and joined tables become
 * parameter indexes that requests look up. Every problem is collected with its position; the
 * compile fails with all of them at once.
 */
public final class SyncConfigCompiler {

    /** Compile settings: the deployment's bucket id prefix, and the source schema when known. */
    public record Options(long bucketVersion, Optional<SourceSchema> schema) {
        public static final Options DEFAULT = new Options(1, Optional.empty());
    }

    private static final int MAX_BRANCHES = 32;

    private final SyncConfigDocument document;
    private final Options options;
    private final ExprCompiler expressions;
    private final List<ConfigIssue> issues = new ArrayList<>();
    private final List<DataSource> dataSources = new ArrayList<>();
    private final List<ParameterIndex> indexes = new ArrayList<>();
    private final List<CompiledStream> streams = new ArrayList<>();
    private final List<OutputTable> outputs = new ArrayList<>();

    private SyncConfigCompiler(SyncConfigDocument document, Options options) {
        this.document = document;
        this.options = options;
        this.expressions = new ExprCompiler(document.options().fixedJsonExtract());
    }

    /** Reads and compiles; throws {@link SyncConfigException} with every error (and warning). */
    public static SyncPlan compile(String file, String yaml) {
        return compile(SyncConfigReader.read(file, yaml), Options.DEFAULT);
    }

    public static SyncPlan compile(SyncConfigDocument document, Options options) {
        return new SyncConfigCompiler(document, options).run();
    }

    /** Every issue of a config, errors and warnings, without throwing (for validate commands). */
    public static List<ConfigIssue> validate(String file, String yaml, Options options) {
        SyncConfigDocument document = SyncConfigReader.read(file, yaml);
        SyncConfigCompiler compiler = new SyncConfigCompiler(document, options);
        compiler.issues.addAll(document.issues());
        compiler.compileAll();
        return sorted(compiler.issues);
    }

    private SyncPlan run() {
        issues.addAll(document.issues());
        compileAll();
        List<ConfigIssue> all = sorted(issues);
        if (all.stream().anyMatch(ConfigIssue::isError)) {
            throw new SyncConfigException(all);
        }
        long version = document.options().versionedBucketIds() ? options.bucketVersion() : -1;
        return new SyncPlan(document.options(), version, dataSources, indexes, streams, all, OutputTable.merge(outputs));
    }

    private void compileAll() {
        for (SyncConfigDocument.StreamDefinition stream : document.streams()) {
            compileStream(stream);
        }
        for (SyncConfigDocument.BucketDefinition definition : document.bucketDefinitions()) {
            new LegacyDefinition(definition).compile();
        }
    }

    private static List<ConfigIssue> sorted(List<ConfigIssue> issues) {
        List<ConfigIssue> copy = new ArrayList<>(issues);
        copy.sort((a, b) -> a.line() != b.line() ? Integer.compare(a.line(), b.line()) : Integer.compare(a.column(), b.column()));
        return copy;
    }

    // ------------------------------------------------------------------ streams

    private void compileStream(SyncConfigDocument.StreamDefinition stream) {
        Map<String, QueryText> ctes = new LinkedHashMap<>(document.globalWith());
        ctes.putAll(stream.with());
        Set<String> usedCtes = new HashSet<>();
        Map<Integer, List<TupleProducer>> producersByArity = new LinkedHashMap<>();
        Map<Integer, String> familyByArity = new LinkedHashMap<>();
        QueryContext context = new QueryContext(stream.name(), ctes, usedCtes, stream.acceptPotentiallyDangerousQueries());
        currentCtes = ctes;
        for (QueryText query : stream.queries()) {
            Optional<Select> select = parse(query);
            if (select.isEmpty()) {
                continue;
            }
            try {
                for (StreamBranch branch : compileStreamQuery(context, query, select.get())) {
                    String family = familyByArity.computeIfAbsent(branch.keyCount(),
                            arity -> stream.name() + "|" + familyByArity.size());
                    dataSources.add(branch.source().withFamily(family));
                    producersByArity.computeIfAbsent(branch.keyCount(), arity -> new ArrayList<>()).add(branch.producer());
                }
            } catch (QueryError e) {
                error(e.code, e.getMessage(), e.source == null ? query : e.source, e.offset);
            } catch (SqlSyntaxException e) {
                error(e.code(), e.getMessage(), query, e.offset());
            }
        }
        currentCtes = Map.of();
        for (Map.Entry<String, QueryText> cte : stream.with().entrySet()) {
            if (!usedCtes.contains(cte.getKey())) {
                warning("CTE_UNUSED", "The common table expression " + cte.getKey() + " is never used", cte.getValue(), 0);
            }
        }
        List<CompiledStream.Family> families = new ArrayList<>();
        familyByArity.forEach((arity, name) -> families.add(new CompiledStream.Family(name, producersByArity.get(arity))));
        streams.add(new CompiledStream(stream.name(), stream.autoSubscribe(), stream.priority(), families));
    }

    /** Names and flags one query is compiled with. */
    private record QueryContext(String definition, Map<String, QueryText> ctes, Set<String> usedCtes,
                                boolean acceptDangerous) {
    }

    /** One branch of a stream query: its data source (family set later) and request-side producer. */
    private record StreamBranch(PendingSource source, TupleProducer producer, int keyCount) {
    }

    /** A data source waiting for its family name. */
    private record PendingSource(String definition, TableMatcher table, String outputTable, Evaluator filter,
                                 List<RowKey> keys, boolean star, List<String> names, List<Evaluator> columns) {
        DataSource withFamily(String family) {
            return new DataSource(definition, family, table, outputTable, filter, keys, star, names, columns);
        }
    }

    private List<StreamBranch> compileStreamQuery(QueryContext context, QueryText query, Select select) {
        Scope scope = Scope.of(select, query);
        Output output = output(scope, select, query);
        List<StreamBranch> result = new ArrayList<>();
        for (List<Expr> branch : branches(scope, conditions(select), query)) {
            Classified classified = classify(context, scope, branch, query, Mode.STREAM);
            List<KeyPlan> keys = classified.keysInOrder();
            List<RowKey> rowKeys = new ArrayList<>();
            List<List<KeyConstraint>> constraints = new ArrayList<>();
            for (KeyPlan key : keys) {
                rowKeys.add(new RowKey(rowEvaluator(scope, key.expression), key.arrayElements));
                constraints.add(key.constraints);
            }
            checkClientParameters(context, classified, query);
            PendingSource source = new PendingSource(context.definition, TableMatcher.of(scope.subject.name()),
                    output.objectType, filter(scope, classified.filters), rowKeys, output.star, output.names, output.columns);
            TupleProducer producer = new TupleProducer.PerKey(gates(classified.gates), constraints, OptionalInt.empty());
            result.add(new StreamBranch(source, producer, keys.size()));
        }
        return result;
    }

    // ------------------------------------------------------------------ legacy bucket definitions

    /** Compiles one legacy bucket definition: parameter queries into tuple producers, data queries into sources. */
    private final class LegacyDefinition {
        private final SyncConfigDocument.BucketDefinition definition;
        private final QueryContext context;
        private List<String> parameterNames;

        LegacyDefinition(SyncConfigDocument.BucketDefinition definition) {
            this.definition = definition;
            this.context = new QueryContext(definition.name(), Map.of(), new HashSet<>(),
                    definition.acceptPotentiallyDangerousQueries());
        }

        void compile() {
            List<TupleProducer> producers = new ArrayList<>();
            for (QueryText query : definition.parameterQueries()) {
                parse(query).ifPresent(select -> {
                    try {
                        producers.add(parameterQuery(query, select));
                    } catch (QueryError e) {
                        error(e.code, e.getMessage(), query, e.offset);
                    } catch (SqlSyntaxException e) {
                        error(e.code(), e.getMessage(), query, e.offset());
                    }
                });
            }
            if (definition.parameterQueries().isEmpty()) {
                parameterNames = List.of();
                producers.add(new TupleProducer.Static(List.of(), List.of(), OptionalInt.empty()));
            }
            if (parameterNames == null) {
                return; // every parameter query failed; its errors are reported
            }
            for (QueryText query : definition.dataQueries()) {
                parse(query).ifPresent(select -> {
                    try {
                        dataQuery(query, select);
                    } catch (QueryError e) {
                        error(e.code, e.getMessage(), query, e.offset);
                    } catch (SqlSyntaxException e) {
                        error(e.code(), e.getMessage(), query, e.offset());
                    }
                });
            }
            streams.add(new CompiledStream(definition.name(), true, definition.priority().orElse(3),
                    List.of(new CompiledStream.Family(definition.name(), producers))));
        }

        private TupleProducer parameterQuery(QueryText query, Select select) {
            List<String> names = new ArrayList<>();
            List<Expr> outputs = new ArrayList<>();
            OptionalInt priority = OptionalInt.empty();
            for (Select.Projection projection : select.projections()) {
                if (!(projection instanceof Select.Item item)) {
                    throw new QueryError("QUERY_STAR_IN_PARAMETERS", "Parameter queries name their outputs: "
                            + "SELECT * is not allowed here", ((Select.Star) projection).offset());
                }
                String name = item.outputName().orElseThrow(() -> new QueryError("QUERY_OUTPUT_NAME",
                        "Give this parameter a name with AS", item.offset()));
                if (name.equals("_priority")) {
                    if (definition.priority().isPresent()) {
                        throw new QueryError("QUERY_PRIORITY_TWICE", "Set the priority either with priority: or with "
                                + "a _priority column, not both", item.offset());
                    }
                    if (!(item.expr() instanceof Expr.Literal literal) || !(literal.value() instanceof SqliteValue.Integer p)
                            || p.value() < 0 || p.value() > 3) {
                        throw new QueryError("QUERY_PRIORITY_INVALID", "_priority must be an integer from 0 to 3", item.offset());
                    }
                    priority = OptionalInt.of((int) p.value());
                    continue;
                }
                names.add(name);
                outputs.add(item.expr());
            }
            if (parameterNames == null) {
                parameterNames = names;
            } else if (!new HashSet<>(parameterNames).equals(new HashSet<>(names))) {
                throw new QueryError("QUERY_PARAMETERS_MISMATCH", "Every parameter query of " + definition.name()
                        + " must output the same columns: " + parameterNames + ", not " + names, select.offset());
            }
            // Output in the order of the first parameter query.
            List<Expr> ordered = new ArrayList<>();
            for (String name : parameterNames) {
                ordered.add(outputs.get(names.indexOf(name)));
            }
            if (select.from().isEmpty()) {
                List<Evaluator> gates = new ArrayList<>();
                select.where().ifPresent(where -> gates.add(requestEvaluator(where)));
                List<Evaluator> evaluators = ordered.stream().map(SyncConfigCompiler.this::requestEvaluator).toList();
                checkLegacyClientParameters(context, ordered, select.where(), query);
                return new TupleProducer.Static(gates, evaluators, priority);
            }
            if (!select.joins().isEmpty()) {
                throw new QueryError("SQL_UNSUPPORTED", "Parameter queries read one table: joins are not supported "
                        + "(Sync Streams support them)", select.joins().getFirst().offset());
            }
            Select.FromItem from = select.from().get();
            if (from instanceof Select.TableFunction function) {
                return jsonEach(function, ordered, select, priority, query);
            }
            Select.TableRef table = (Select.TableRef) from;
            if (table.alias().isPresent()) {
                throw new QueryError("SQL_UNSUPPORTED", "Parameter queries do not take a table alias", table.offset());
            }
            Scope scope = Scope.of(select, query);
            checkTable(scope.subject, query);
            List<Evaluator> outputEvaluators = ordered.stream().map(expr -> rowEvaluator(scope, expr)).toList();
            List<LookupPlan.Branch> branches = new ArrayList<>();
            for (List<Expr> branch : branches(scope, conditions(select), query)) {
                Classified classified = classify(context, scope, branch, query, Mode.LEGACY_PARAMETERS);
                String indexId = nextIndexId(definition.name());
                List<RowKey> rowKeys = new ArrayList<>();
                List<List<KeyConstraint>> constraints = new ArrayList<>();
                for (KeyPlan key : classified.keysInOrder()) {
                    rowKeys.add(new RowKey(rowEvaluator(scope, key.expression), key.arrayElements));
                    constraints.add(key.constraints);
                }
                checkClientParameters(context, classified, query);
                indexes.add(new ParameterIndex(indexId, TableMatcher.of(table.name()), filter(scope, classified.filters),
                        rowKeys, outputEvaluators));
                branches.add(new LookupPlan.Branch(indexId, gates(classified.gates), constraints));
            }
            return new TupleProducer.Lookup(new LookupPlan(branches), priority);
        }

        private TupleProducer jsonEach(Select.TableFunction function, List<Expr> outputs, Select select,
                                       OptionalInt priority, QueryText query) {
            if (!function.name().equals("json_each") || function.args().size() != 1) {
                throw new QueryError("SQL_UNSUPPORTED", "The only table function is json_each(<JSON array>)", function.offset());
            }
            Evaluator array = requestEvaluator(function.args().getFirst());
            String alias = function.alias().orElse("json_each");
            Resolver each = column -> {
                boolean valueColumn = column.name().equalsIgnoreCase("value")
                        && column.qualifier().map(q -> q.equalsIgnoreCase(alias)).orElse(true);
                if (!valueColumn) {
                    throw new QueryError("QUERY_UNKNOWN_COLUMN", "json_each gives one column, value; "
                            + column.display() + " is not known here", column.offset());
                }
                return ctx -> ctx.column("value");
            };
            List<Evaluator> gates = new ArrayList<>();
            select.where().ifPresent(where -> gates.add(expressions.compile(where, each)));
            List<Evaluator> evaluators = outputs.stream().map(expr -> expressions.compile(expr, each)).toList();
            checkLegacyClientParameters(context, outputs, select.where(), query);
            return new TupleProducer.EachElement(array, alias, gates, evaluators, priority);
        }

        private void dataQuery(QueryText query, Select select) {
            if (select.from().isEmpty() || !(select.from().get() instanceof Select.TableRef)) {
                throw new QueryError("QUERY_NO_TABLE", "A data query selects FROM a table", select.offset());
            }
            if (!select.joins().isEmpty()) {
                throw new QueryError("SQL_UNSUPPORTED", "Data queries of bucket definitions read one table: joins need "
                        + "Sync Streams", select.joins().getFirst().offset());
            }
            Scope scope = Scope.of(select, query);
            Output output = output(scope, select, query);
            for (List<Expr> branch : branches(scope, conditions(select), query)) {
                Classified classified = classify(context, scope, branch, query, Mode.LEGACY_DATA);
                List<RowKey> rowKeys = new ArrayList<>();
                for (String parameter : parameterNames) {
                    KeyPlan key = classified.bucketKeys.get(parameter);
                    if (key == null) {
                        throw new QueryError("QUERY_PARAMETERS_NOT_COVERED", "Query must cover all bucket parameters: "
                                + "use bucket." + parameter + " (for example WHERE col = bucket." + parameter + ")",
                                select.where().map(Expr::offset).orElse(select.offset()));
                    }
                    rowKeys.add(new RowKey(rowEvaluator(scope, key.expression), key.arrayElements));
                }
                for (String used : classified.bucketKeys.keySet()) {
                    if (!parameterNames.contains(used)) {
                        throw new QueryError("QUERY_UNKNOWN_PARAMETER", "bucket." + used + " is not a parameter of "
                                + definition.name() + "; its parameters are " + parameterNames, classified.bucketKeys.get(used).offset);
                    }
                }
                dataSources.add(new DataSource(definition.name(), definition.name(), TableMatcher.of(scope.subject.name()),
                        output.objectType, filter(scope, classified.filters), rowKeys, output.star, output.names,
                        output.columns));
            }
        }
    }

    // ------------------------------------------------------------------ shared query machinery

    /** The tables of a query: the subject (whose rows are read) and the joined items. */
    private record Scope(Select.TableRef subject, List<Select.FromItem> joined, QueryText query) {

        static Scope of(Select select, QueryText query) {
            Select.FromItem from = select.from().orElseThrow(() -> new QueryError("QUERY_NO_TABLE",
                    "This query needs FROM <table>", select.offset()));
            if (!(from instanceof Select.TableRef table)) {
                throw new QueryError("SQL_UNSUPPORTED", "A stream query selects FROM a table; json_each(...) may be "
                        + "joined to it", from.offset());
            }
            List<Select.FromItem> joined = select.joins().stream().map(Select.Join::item).toList();
            return new Scope(table, joined, query);
        }

        boolean isSubject(Optional<String> qualifier) {
            return qualifier.isEmpty() || qualifier.get().equalsIgnoreCase(subject.referenceName())
                    || (subject.alias().isEmpty() && qualifier.get().equalsIgnoreCase(subject.name()));
        }

        Optional<Select.FromItem> joinedItem(String qualifier) {
            for (Select.FromItem item : joined) {
                String name = item.alias().orElse(item instanceof Select.TableRef t ? t.name() : ((Select.TableFunction) item).name());
                if (name.equalsIgnoreCase(qualifier)) {
                    return Optional.of(item);
                }
            }
            return Optional.empty();
        }
    }

    /** What a data query outputs: all columns and/or listed ones, and under which object type. */
    private record Output(boolean star, List<String> names, List<Evaluator> columns, String objectType) {
    }

    private Output output(Scope scope, Select select, QueryText query) {
        boolean star = false;
        List<OutputColumn> described = new ArrayList<>();
        List<String> names = new ArrayList<>();
        List<Evaluator> columns = new ArrayList<>();
        for (Select.Projection projection : select.projections()) {
            if (projection instanceof Select.Star s) {
                if (s.qualifier().isPresent() && !scope.isSubject(s.qualifier())) {
                    throw new QueryError("QUERY_OUTPUT_TABLE", "A stream syncs the rows of one table: select "
                            + scope.subject.referenceName() + ".* or its columns", s.offset());
                }
                if (s.qualifier().isEmpty() && !scope.joined.isEmpty()) {
                    throw new QueryError("QUERY_OUTPUT_TABLE", "SELECT * with joins is ambiguous: write "
                            + scope.subject.referenceName() + ".*", s.offset());
                }
                star = true;
                continue;
            }
            Select.Item item = (Select.Item) projection;
            String name = item.outputName().orElseThrow(() -> new QueryError("QUERY_OUTPUT_NAME",
                    "Give this column a name with AS", item.offset()));
            if (names.contains(name)) {
                throw new QueryError("QUERY_OUTPUT_NAME", "The column " + name + " is selected twice", item.offset());
            }
            names.add(name);
            columns.add(rowEvaluator(scope, item.expr()));
            if (!name.equals("id")) {
                Optional<String> sourceColumn = item.expr() instanceof Expr.Column column && scope.isSubject(column.qualifier())
                        ? Optional.of(column.name()) : Optional.empty();
                described.add(new OutputColumn(name, scope.subject.name(), sourceColumn, OutputTypes.of(item.expr())));
            }
        }
        if (!star && !names.contains("id")) {
            throw new QueryError("QUERY_MISSING_ID", "Query must return an id column (select id, or another column AS id)",
                    select.offset());
        }
        checkTable(scope.subject, query);
        String objectType = scope.subject.alias().orElse(TableMatcher.of(scope.subject.name()).isWildcard() ? "" : scope.subject.name());
        String subject = scope.subject.name();
        outputs.add(new OutputTable(scope.subject.alias().orElse(subject), subject, star, described,
                star ? List.of(subject) : List.of()));
        return new Output(star, names, columns, objectType);
    }

    /** The JOIN ON conditions, then WHERE, as one list of conjuncts. */
    private static List<Expr> conditions(Select select) {
        List<Expr> result = new ArrayList<>();
        for (Select.Join join : select.joins()) {
            join.on().ifPresent(result::add);
        }
        select.where().ifPresent(result::add);
        return result;
    }

    /** The conditions in disjunctive normal form, keeping OR subtrees that are pure filters whole. */
    private List<List<Expr>> branches(Scope scope, List<Expr> conditions, QueryText query) {
        List<List<Expr>> result = new ArrayList<>();
        result.add(List.of());
        for (Expr condition : conditions) {
            result = product(result, dnf(scope, condition));
            if (result.size() > MAX_BRANCHES) {
                throw new QueryError("QUERY_TOO_MANY_BRANCHES", "This condition expands into more than " + MAX_BRANCHES
                        + " OR branches: split it into several queries", condition.offset());
            }
        }
        return result;
    }

    private List<List<Expr>> dnf(Scope scope, Expr expr) {
        Refs refs = refs(scope, expr);
        if (refs.isRowOnly() || refs.isRequestOnly()) {
            return List.of(List.of(expr));
        }
        if (expr instanceof Expr.Binary binary && binary.operator().equals("AND")) {
            return product(dnf(scope, binary.left()), dnf(scope, binary.right()));
        }
        if (expr instanceof Expr.Binary binary && binary.operator().equals("OR")) {
            List<List<Expr>> result = new ArrayList<>(dnf(scope, binary.left()));
            result.addAll(dnf(scope, binary.right()));
            return result;
        }
        if (expr instanceof Expr.Unary not && not.operator().equals("NOT") && not.operand() instanceof Expr.Binary inner
                && (inner.operator().equals("AND") || inner.operator().equals("OR"))) {
            String flipped = inner.operator().equals("AND") ? "OR" : "AND";
            return dnf(scope, new Expr.Binary(flipped, new Expr.Unary("NOT", inner.left(), not.offset()),
                    new Expr.Unary("NOT", inner.right(), not.offset()), inner.offset()));
        }
        return List.of(List.of(expr));
    }

    private static List<List<Expr>> product(List<List<Expr>> left, List<List<Expr>> right) {
        List<List<Expr>> result = new ArrayList<>();
        for (List<Expr> a : left) {
            for (List<Expr> b : right) {
                List<Expr> combined = new ArrayList<>(a);
                combined.addAll(b);
                result.add(combined);
            }
        }
        return result;
    }

    /** What an expression reads. */
    private record Refs(boolean subject, Set<String> joined, boolean request, boolean connectionValues,
                        boolean subscriptionValues, boolean authValues, boolean bucket, boolean subquery) {
        boolean isRowOnly() {
            return !request && !bucket && !subquery && joined.isEmpty();
        }

        boolean isRequestOnly() {
            return !subject && !bucket && !subquery && joined.isEmpty();
        }
    }

    private Refs refs(Scope scope, Expr expr) {
        RefCollector collector = new RefCollector(scope);
        collector.visit(expr);
        return new Refs(collector.subject, collector.joined, collector.request, collector.connection,
                collector.subscription, collector.auth, collector.bucket, collector.subquery);
    }

    /** Walks an expression and records what it reads. */
    private final class RefCollector {
        private final Scope scope;
        private boolean subject;
        private final Set<String> joined = new HashSet<>();
        private boolean request;
        private boolean connection;
        private boolean subscription;
        private boolean auth;
        private boolean bucket;
        private boolean subquery;

        RefCollector(Scope scope) {
            this.scope = scope;
        }

        void visit(Expr expr) {
            switch (expr) {
                case Expr.Literal literal -> { }
                case Expr.Column column -> column(column);
                case Expr.Call call -> {
                    if (ExprCompiler.REQUEST_FUNCTIONS.contains(call.name())) {
                        request = true;
                        if (call.name().startsWith("auth.") || call.name().equals("request.user_id")
                                || call.name().equals("request.jwt")) {
                            auth = true;
                        } else if (call.name().startsWith("subscription.")) {
                            subscription = true;
                        } else {
                            connection = true;
                        }
                    }
                    call.args().forEach(this::visit);
                }
                case Expr.Unary unary -> visit(unary.operand());
                case Expr.Binary binary -> {
                    visit(binary.left());
                    visit(binary.right());
                }
                case Expr.InList in -> {
                    visit(in.value());
                    in.items().forEach(this::visit);
                }
                case Expr.InSelect in -> {
                    visit(in.value());
                    subquery = true;
                }
                case Expr.InExpr in -> {
                    visit(in.value());
                    if (in.array() instanceof Expr.Column column && column.qualifier().isEmpty() && isCte(column.name())) {
                        subquery = true;
                    } else {
                        visit(in.array());
                    }
                }
                case Expr.Between between -> {
                    visit(between.value());
                    visit(between.low());
                    visit(between.high());
                }
                case Expr.Case caseExpr -> {
                    caseExpr.operand().ifPresent(this::visit);
                    caseExpr.whens().forEach(when -> {
                        visit(when.condition());
                        visit(when.result());
                    });
                    caseExpr.otherwise().ifPresent(this::visit);
                }
                case Expr.Cast cast -> visit(cast.operand());
            }
        }

        private boolean isCte(String name) {
            return currentCtes.containsKey(name);
        }

        private void column(Expr.Column column) {
            String qualifier = column.qualifier().map(q -> q.toLowerCase(Locale.ROOT)).orElse("");
            switch (qualifier) {
                case "token_parameters" -> {
                    request = true;
                    auth = true;
                }
                case "user_parameters" -> {
                    request = true;
                    connection = true;
                }
                case "bucket" -> bucket = true;
                default -> {
                    if (scope.isSubject(column.qualifier())) {
                        subject = true;
                    } else {
                        joined.add(qualifier);
                    }
                }
            }
        }
    }

    /** The CTEs in scope of the query being compiled (queries compile one at a time). */
    private Map<String, QueryText> currentCtes = Map.of();

    private enum Mode { STREAM, LEGACY_PARAMETERS, LEGACY_DATA }

    /** A partition (or index) key being built: its row expression and the constraints on its values. */
    private static final class KeyPlan {
        private final Expr expression;
        private final boolean arrayElements;
        private final int offset;
        private final List<KeyConstraint> constraints = new ArrayList<>();

        KeyPlan(Expr expression, boolean arrayElements, int offset) {
            this.expression = expression;
            this.arrayElements = arrayElements;
            this.offset = offset;
        }
    }

    /** A branch's conditions, sorted by role. */
    private static final class Classified {
        private final List<Expr> filters = new ArrayList<>();
        private final List<Expr> gates = new ArrayList<>();
        private final Map<String, KeyPlan> keys = new LinkedHashMap<>();
        private final Map<String, KeyPlan> bucketKeys = new LinkedHashMap<>();
        private final List<JoinLink> joinLinks = new ArrayList<>();
        private final Set<String> linkedTables = new HashSet<>();
        private boolean usesConnectionValues;
        private boolean usesSubscriptionValues;
        private boolean usesAuthValues;

        /** Partition keys in the order PowerSync's compiler uses: last condition first. */
        List<KeyPlan> keysInOrder() {
            List<KeyPlan> ordered = new ArrayList<>(keys.values());
            java.util.Collections.reverse(ordered);
            return ordered;
        }
    }

    private Classified classify(QueryContext context, Scope scope, List<Expr> atoms, QueryText query, Mode mode) {
        return classifyAtoms(context, scope, atoms, query, mode);
    }

    private Classified classifyAtoms(QueryContext context, Scope scope, List<Expr> atoms, QueryText query, Mode mode) {
        Classified result = new Classified();
        Map<String, List<Expr>> joinedAtoms = new LinkedHashMap<>();
        List<Expr> linking = new ArrayList<>();
        for (Expr atom : atoms) {
            Refs refs = refs(scope, atom);
            result.usesConnectionValues |= refs.connectionValues;
            result.usesSubscriptionValues |= refs.subscriptionValues;
            result.usesAuthValues |= refs.authValues || refs.subquery;
            if (refs.isRowOnly()) {
                checkNeverMatches(atom, query);
                if (!refs.subject) {
                    checkConstantGate(atom, query); // no column at all: a constant
                }
                result.filters.add(atom);
            } else if (refs.isRequestOnly()) {
                if (mode == Mode.LEGACY_DATA) {
                    throw new QueryError("SQL_REQUEST_VALUE_NOT_ALLOWED", "Data queries are evaluated per row, without "
                            + "a request: use bucket parameters instead", atom.offset());
                }
                checkConstantGate(atom, query);
                result.gates.add(atom);
            } else if (!refs.joined.isEmpty() && !refs.subject && !refs.bucket) {
                if (refs.joined.size() == 1) {
                    joinedAtoms.computeIfAbsent(refs.joined.iterator().next(), k -> new ArrayList<>()).add(atom);
                } else {
                    linking.add(atom);
                }
            } else {
                keyAtom(context, scope, atom, refs, result, joinedAtoms, linking, mode);
            }
        }
        // Joins: a subject expression equal to a joined table's column takes its values from that table.
        for (JoinLink link : result.joinLinks) {
            KeyPlan key = key(result, link.subjectSide, false, link.atom.offset());
            Set<String> reached = new HashSet<>();
            key.constraints.add(new KeyConstraint.InLookup(joinLookup(context, scope, link.joinedItem, link.joinedColumn,
                    joinedAtoms, linking, reached, link.atom, query)));
            result.linkedTables.addAll(reached); // tables reached through this one are linked too
        }
        for (String joined : joinedAtoms.keySet()) {
            if (!result.linkedTables.contains(joined)) {
                throw new QueryError("QUERY_JOIN_NOT_LINKED", "The table " + joined + " is joined but not linked to "
                        + scope.subject.referenceName() + " by an equality (" + scope.subject.referenceName()
                        + ".col = " + joined + ".col)", joinedAtoms.get(joined).getFirst().offset());
            }
        }
        return result;
    }

    /** A subject expression equal to a joined table's column. */
    private record JoinLink(Expr atom, Expr subjectSide, Select.FromItem joinedItem, Expr.Column joinedColumn) {
    }

    private void keyAtom(QueryContext context, Scope scope, Expr atom, Refs refs, Classified result,
                         Map<String, List<Expr>> joinedAtoms, List<Expr> linking, Mode mode) {
        // subject-expr = request-expr, or the reverse
        if (atom instanceof Expr.Binary binary && binary.operator().equals("=")) {
            Refs left = refs(scope, binary.left());
            Refs right = refs(scope, binary.right());
            if (mode == Mode.LEGACY_DATA) {
                Optional<String> parameter = bucketParameter(binary.right()).or(() -> bucketParameter(binary.left()));
                Expr rowSide = bucketParameter(binary.right()).isPresent() ? binary.left() : binary.right();
                if (parameter.isPresent() && refs(scope, rowSide).isRowOnly()) {
                    bucketKey(result, parameter.get(), rowSide, false, atom.offset());
                    return;
                }
            } else {
                if (left.isRowOnly() && left.subject && right.isRequestOnly()) {
                    key(result, binary.left(), false, atom.offset()).constraints.add(new KeyConstraint.Equals(requestEvaluator(binary.right())));
                    return;
                }
                if (right.isRowOnly() && right.subject && left.isRequestOnly()) {
                    key(result, binary.right(), false, atom.offset()).constraints.add(new KeyConstraint.Equals(requestEvaluator(binary.left())));
                    return;
                }
                if (mode == Mode.STREAM && left.isRowOnly() && left.subject && joinedColumn(scope, binary.right()).isPresent()) {
                    link(scope, result, atom, binary.left(), (Expr.Column) binary.right());
                    return;
                }
                if (mode == Mode.STREAM && right.isRowOnly() && right.subject && joinedColumn(scope, binary.left()).isPresent()) {
                    link(scope, result, atom, binary.right(), (Expr.Column) binary.left());
                    return;
                }
            }
        }
        if (atom instanceof Expr.InExpr in && !in.negated()) {
            Refs value = refs(scope, in.value());
            if (mode == Mode.LEGACY_DATA) {
                Optional<String> parameter = bucketParameter(in.value());
                if (parameter.isPresent() && refs(scope, in.array()).isRowOnly()) {
                    bucketKey(result, parameter.get(), in.array(), true, atom.offset());
                    return;
                }
                if (bucketParameter(in.array()).isPresent()) {
                    throw new QueryError("QUERY_PARAMETER_AS_ARRAY", "In data queries the right side of IN must not be "
                            + "a bucket parameter: write bucket.p IN column, or column = bucket.p", atom.offset());
                }
            } else if (value.isRowOnly() && value.subject) {
                if (in.array() instanceof Expr.Column column && column.qualifier().isEmpty() && context.ctes.containsKey(column.name())) {
                    if (mode != Mode.STREAM) {
                        throw new QueryError("SQL_UNSUPPORTED", "Common table expressions belong to Sync Streams", atom.offset());
                    }
                    context.usedCtes.add(column.name());
                    QueryText cteQuery = context.ctes.get(column.name());
                    Select cte = parseOrThrow(cteQuery, atom.offset());
                    LookupPlan lookup;
                    try {
                        lookup = selectLookup(context, cte, cteQuery, true);
                    } catch (QueryError e) {
                        throw e.source == null ? e.in(cteQuery) : e;
                    } catch (SqlSyntaxException e) {
                        throw new QueryError(e.code(), e.getMessage(), e.offset()).in(cteQuery);
                    }
                    key(result, in.value(), false, atom.offset()).constraints.add(new KeyConstraint.InLookup(lookup));
                    return;
                }
                if (refs(scope, in.array()).isRequestOnly()) {
                    key(result, in.value(), false, atom.offset()).constraints.add(new KeyConstraint.InArray(requestEvaluator(in.array())));
                    return;
                }
            } else if (value.isRequestOnly() && refs(scope, in.array()).isRowOnly() && refs(scope, in.array()).subject) {
                key(result, in.array(), true, atom.offset()).constraints.add(new KeyConstraint.Equals(requestEvaluator(in.value())));
                return;
            }
        }
        if (atom instanceof Expr.InSelect in && !in.negated() && mode == Mode.STREAM) {
            Refs value = refs(scope, in.value());
            if (value.isRowOnly() && value.subject) {
                key(result, in.value(), false, atom.offset()).constraints.add(new KeyConstraint.InLookup(
                        selectLookup(context, in.select(), scope.query, false)));
                return;
            }
        }
        if ((atom instanceof Expr.InSelect in && in.negated()) || (atom instanceof Expr.InExpr ie && ie.negated())) {
            throw new QueryError("SQL_UNSUPPORTED", "NOT IN over a subquery or a request value cannot decide bucket "
                    + "membership; NOT IN is only for row filters over literal lists", atom.offset());
        }
        if (mode == Mode.LEGACY_DATA && refs.request) {
            throw new QueryError("SQL_REQUEST_VALUE_NOT_ALLOWED", "Data queries are evaluated per row, without a "
                    + "request: use bucket parameters instead", atom.offset());
        }
        throw new QueryError("QUERY_NOT_A_FILTER", "This condition mixes row and request values in a way that cannot "
                + "decide bucket membership: use column = <request value>, column IN <request array>, "
                + "column IN (SELECT ...) or <request value> IN column", atom.offset());
    }

    private static Optional<String> bucketParameter(Expr expr) {
        if (expr instanceof Expr.Column column && column.qualifier().map(q -> q.equalsIgnoreCase("bucket")).orElse(false)) {
            return Optional.of(column.name());
        }
        return Optional.empty();
    }

    private Optional<Select.FromItem> joinedColumn(Scope scope, Expr expr) {
        if (expr instanceof Expr.Column column && column.qualifier().isPresent() && !scope.isSubject(column.qualifier())) {
            return scope.joinedItem(column.qualifier().get());
        }
        return Optional.empty();
    }

    private void link(Scope scope, Classified result, Expr atom, Expr subjectSide, Expr.Column joinedColumn) {
        Select.FromItem item = scope.joinedItem(joinedColumn.qualifier().orElseThrow()).orElseThrow();
        result.joinLinks.add(new JoinLink(atom, subjectSide, item, joinedColumn));
        key(result, subjectSide, false, atom.offset()); // takes its place in the key order now
        result.linkedTables.add(joinedColumn.qualifier().get().toLowerCase(Locale.ROOT));
    }

    private static KeyPlan key(Classified result, Expr expression, boolean arrayElements, int offset) {
        String canonical = (arrayElements ? "[]" : "") + canonical(expression);
        return result.keys.computeIfAbsent(canonical, k -> new KeyPlan(expression, arrayElements, offset));
    }

    private static void bucketKey(Classified result, String parameter, Expr expression, boolean arrayElements, int offset) {
        if (result.bucketKeys.containsKey(parameter)) {
            throw new QueryError("QUERY_PARAMETER_TWICE", "bucket." + parameter + " is used twice in one branch", offset);
        }
        result.bucketKeys.put(parameter, new KeyPlan(expression, arrayElements, offset));
    }

    /** A text that is equal for equal expressions, whatever their positions. */
    private static String canonical(Expr expr) {
        return switch (expr) {
            case Expr.Literal literal -> literal.value().typeName() + ":" + literal.value();
            case Expr.Column column -> "col:" + column.name().toLowerCase(Locale.ROOT);
            case Expr.Call call -> call.name() + "(" + String.join(",", call.args().stream().map(SyncConfigCompiler::canonical).toList()) + ")";
            case Expr.Unary unary -> unary.operator() + "(" + canonical(unary.operand()) + ")";
            case Expr.Binary binary -> "(" + canonical(binary.left()) + " " + binary.operator() + " " + canonical(binary.right()) + ")";
            case Expr.Cast cast -> "cast(" + canonical(cast.operand()) + "," + cast.type() + ")";
            default -> expr.getClass().getSimpleName() + "@" + expr.offset();
        };
    }

    /** The lookup that gives the values of {@code joined.column} for rows that pass the joined table's conditions. */
    private LookupPlan joinLookup(QueryContext context, Scope scope, Select.FromItem joined, Expr.Column column,
                                  Map<String, List<Expr>> joinedAtoms, List<Expr> linking, Set<String> visiting,
                                  Expr arrivedBy, QueryText query) {
        String name = column.qualifier().orElseThrow().toLowerCase(Locale.ROOT);
        if (!visiting.add(name)) {
            throw new QueryError("QUERY_JOIN_CYCLE", "The joins form a cycle through " + name, column.offset());
        }
        if (joined instanceof Select.TableFunction function) {
            if (!function.name().equals("json_each") || function.args().size() != 1
                    || !refs(scope, function.args().getFirst()).isRequestOnly()) {
                throw new QueryError("SQL_UNSUPPORTED", "Only json_each(<request value>) may be joined", function.offset());
            }
            throw new QueryError("SQL_UNSUPPORTED", "Join json_each through IN instead: column IN "
                    + "auth.parameter('...')", function.offset());
        }
        Select.TableRef table = (Select.TableRef) joined;
        // The joined table as a subquery: SELECT column FROM table WHERE <its conditions>, where a
        // link to a further joined table becomes a nested lookup.
        List<Expr> conditions = new ArrayList<>(joinedAtoms.getOrDefault(name, List.of()));
        List<Expr> nested = new ArrayList<>();
        for (Expr atom : linking) {
            if (atom == arrivedBy) {
                continue;
            }
            if (atom instanceof Expr.Binary b && b.operator().equals("=") && b.left() instanceof Expr.Column l
                    && b.right() instanceof Expr.Column r) {
                String ln = l.qualifier().map(q -> q.toLowerCase(Locale.ROOT)).orElse("");
                String rn = r.qualifier().map(q -> q.toLowerCase(Locale.ROOT)).orElse("");
                if (ln.equals(name) || rn.equals(name)) {
                    nested.add(atom);
                }
            }
        }
        Scope joinedScope = new Scope(table, List.of(), query);
        String indexId = nextIndexId(context.definition);
        Classified classified = new Classified();
        for (Expr atom : conditions) {
            Refs refs = refs(joinedScope, atom);
            classified.usesAuthValues |= refs.authValues;
            if (refs.isRowOnly()) {
                classified.filters.add(atom);
            } else if (refs.isRequestOnly()) {
                classified.gates.add(atom);
            } else {
                keyAtom(context, joinedScope, atom, refs, classified, Map.of(), List.of(), Mode.STREAM);
            }
        }
        for (Expr atom : nested) {
            Expr.Column l = (Expr.Column) ((Expr.Binary) atom).left();
            Expr.Column r = (Expr.Column) ((Expr.Binary) atom).right();
            Expr.Column own = l.qualifier().get().equalsIgnoreCase(name) ? l : r;
            Expr.Column other = own == l ? r : l;
            Select.FromItem otherItem = scope.joinedItem(other.qualifier().get()).orElseThrow(() ->
                    new QueryError("QUERY_UNKNOWN_TABLE_REF", "Unknown table " + other.qualifier().get(), other.offset()));
            KeyPlan key = key(classified, new Expr.Column(Optional.empty(), own.name(), own.offset()), false, atom.offset());
            key.constraints.add(new KeyConstraint.InLookup(joinLookup(context, scope, otherItem, other, joinedAtoms,
                    linking, visiting, atom, query)));
        }
        List<RowKey> rowKeys = new ArrayList<>();
        List<List<KeyConstraint>> constraints = new ArrayList<>();
        for (KeyPlan key : classified.keysInOrder()) {
            rowKeys.add(new RowKey(rowEvaluator(joinedScope, key.expression), key.arrayElements));
            constraints.add(key.constraints);
        }
        Evaluator output = rowEvaluator(joinedScope, new Expr.Column(Optional.empty(), column.name(), column.offset()));
        checkTable(table, query);
        indexes.add(new ParameterIndex(indexId, TableMatcher.of(table.name()), filter(joinedScope, classified.filters),
                rowKeys, List.of(output)));
        return new LookupPlan(List.of(new LookupPlan.Branch(indexId, gates(classified.gates), constraints)));
    }

    /** The lookup of {@code x IN (SELECT col FROM table WHERE ...)} or {@code x IN cte}. */
    private LookupPlan selectLookup(QueryContext context, Select select, QueryText query, boolean isCte) {
        if (select.projections().size() != 1 || !(select.projections().getFirst() instanceof Select.Item item)) {
            throw new QueryError(isCte ? "CTE_SHAPE" : "QUERY_SUBQUERY_SHAPE", (isCte ? "A common table expression used "
                    + "with IN" : "A subquery") + " selects exactly one column", select.offset());
        }
        Scope scope = Scope.of(select, query);
        if (!scope.joined.isEmpty()) {
            throw new QueryError("SQL_UNSUPPORTED", "Joins inside subqueries are not supported: nest another "
                    + "col IN (SELECT ...)", select.joins().getFirst().offset());
        }
        checkTable(scope.subject, query);
        Evaluator output = rowEvaluator(scope, item.expr());
        List<LookupPlan.Branch> branches = new ArrayList<>();
        for (List<Expr> branch : branches(scope, select.where().map(List::of).orElse(List.of()), query)) {
            Classified classified = classify(context, scope, branch, query, Mode.STREAM);
            List<RowKey> rowKeys = new ArrayList<>();
            List<List<KeyConstraint>> constraints = new ArrayList<>();
            for (KeyPlan key : classified.keysInOrder()) {
                rowKeys.add(new RowKey(rowEvaluator(scope, key.expression), key.arrayElements));
                constraints.add(key.constraints);
            }
            String indexId = nextIndexId(context.definition);
            indexes.add(new ParameterIndex(indexId, TableMatcher.of(scope.subject.name()), filter(scope, classified.filters),
                    rowKeys, List.of(output)));
            branches.add(new LookupPlan.Branch(indexId, gates(classified.gates), constraints));
        }
        return new LookupPlan(branches);
    }

    private int indexCounter;

    private String nextIndexId(String definition) {
        return definition + "/lookup" + indexCounter++;
    }

    // ------------------------------------------------------------------ evaluators

    private Evaluator rowEvaluator(Scope scope, Expr expr) {
        Resolver resolver = new Resolver() {
            @Override
            public Evaluator column(Expr.Column column) {
                if (!scope.isSubject(column.qualifier())) {
                    throw new QueryError("QUERY_UNKNOWN_TABLE_REF", column.display() + " is not a column of "
                            + scope.subject.referenceName() + ", the table this expression reads", column.offset());
                }
                checkColumn(scope, column);
                String name = column.name();
                return context -> context.column(name);
            }

            @Override
            public boolean allowsRequestValues() {
                return false;
            }
        };
        return expressions.compile(expr, resolver);
    }

    private Evaluator requestEvaluator(Expr expr) {
        return expressions.compile(expr, column -> {
            throw new QueryError("QUERY_NOT_A_FILTER", "No table is in scope here: " + column.display()
                    + " cannot be read", column.offset());
        });
    }

    private Evaluator filter(Scope scope, List<Expr> filters) {
        if (filters.isEmpty()) {
            return null;
        }
        Expr combined = filters.getFirst();
        for (Expr next : filters.subList(1, filters.size())) {
            combined = new Expr.Binary("AND", combined, next, next.offset());
        }
        return rowEvaluator(scope, combined);
    }

    private List<Evaluator> gates(List<Expr> gates) {
        return gates.stream().map(this::requestEvaluator).toList();
    }

    // ------------------------------------------------------------------ checks and issues

    /**
     * Client-controlled values select rows that the client names: connection parameters always
     * deserve a look; subscription parameters do unless the branch also checks the user (an auth
     * value or a lookup in replicated data).
     */
    private void checkClientParameters(QueryContext context, Classified classified, QueryText query) {
        boolean verified = classified.usesAuthValues || !classified.joinLinks.isEmpty();
        boolean dangerous = classified.usesConnectionValues || (classified.usesSubscriptionValues && !verified);
        if (dangerous && !context.acceptDangerous) {
            warning("CLIENT_PARAMETER_UNVERIFIED", context.definition + " selects rows with a client-controlled "
                    + "parameter (connection.* or subscription.* or request.parameters()), which any user can set: "
                    + "check that it cannot expose other users' data, then set accept_potentially_dangerous_queries: true",
                    query, 0);
        }
    }

    private void checkLegacyClientParameters(QueryContext context, List<Expr> outputs, Optional<Expr> where, QueryText query) {
        RefCollector collector = new RefCollector(new Scope(new Select.TableRef(Optional.empty(), "", Optional.empty(), 0),
                List.of(), null));
        outputs.forEach(collector::visit);
        where.ifPresent(collector::visit);
        if (collector.connection && !context.acceptDangerous) {
            warning("CLIENT_PARAMETER_UNVERIFIED", context.definition + " uses client parameters (request.parameters() or "
                    + "user_parameters), which any user can set: check that they cannot expose other users' data, "
                    + "then set accept_potentially_dangerous_queries: true", query, 0);
        }
    }

    private void checkNeverMatches(Expr atom, QueryText query) {
        if (atom instanceof Expr.Binary binary && (binary.operator().equals("=") || binary.operator().equals("!="))
                && (isNullLiteral(binary.left()) || isNullLiteral(binary.right()))) {
            warning("QUERY_NEVER_MATCHES", "A comparison with NULL is never true: use IS NULL or IS NOT NULL", query, atom.offset());
        }
    }

    private void checkConstantGate(Expr atom, QueryText query) {
        RefCollector collector = new RefCollector(new Scope(new Select.TableRef(Optional.empty(), "", Optional.empty(), 0),
                List.of(), null));
        collector.visit(atom);
        if (!collector.request) {
            try {
                Evaluator gate = requestEvaluator(atom);
                if (!Boolean.TRUE.equals(SqlValues.truth(gate.evaluate(EvalContext.ofRequest(RequestParameters.NONE))))) {
                    warning("QUERY_NEVER_MATCHES", "This condition is always false: the query can never match", query, atom.offset());
                }
            } catch (RuntimeException e) {
                // evaluation problems surface when the query runs
            }
        }
    }

    private static boolean isNullLiteral(Expr expr) {
        return expr instanceof Expr.Literal literal && literal.value().isNull();
    }

    private void checkTable(Select.TableRef table, QueryText query) {
        options.schema().ifPresent(schema -> {
            if (!table.name().contains("%") && schema.columns(table.name()).isEmpty()) {
                warning("SCHEMA_UNKNOWN_TABLE", "The table " + table.name() + " is not in the source database", query,
                        table.offset());
            }
        });
    }

    private void checkColumn(Scope scope, Expr.Column column) {
        options.schema().flatMap(schema -> schema.columns(scope.subject.name())).ifPresent(columns -> {
            if (columns.stream().noneMatch(c -> c.equalsIgnoreCase(column.name()))) {
                warning("SCHEMA_UNKNOWN_COLUMN", "The table " + scope.subject.name() + " has no column " + column.name(),
                        scope.query, column.offset());
            }
        });
    }

    private Optional<Select> parse(QueryText query) {
        try {
            return Optional.of(Parser.parseSelect(query.sql()));
        } catch (SqlSyntaxException e) {
            error(e.code(), e.getMessage(), query, e.offset());
            return Optional.empty();
        }
    }

    private Select parseOrThrow(QueryText query, int offsetForErrors) {
        try {
            return Parser.parseSelect(query.sql());
        } catch (SqlSyntaxException e) {
            throw new QueryError(e.code(), e.getMessage(), e.offset()).in(query);
        }
    }

    private void error(String code, String message, QueryText query, int offset) {
        add(ConfigIssue.Severity.ERROR, code, message, query, offset);
    }

    private void warning(String code, String message, QueryText query, int offset) {
        add(ConfigIssue.Severity.WARNING, code, message, query, offset);
    }

    private void add(ConfigIssue.Severity severity, String code, String message, QueryText query, int offset) {
        Position at = query == null ? Position.START : query.positionOf(offset);
        ConfigIssue issue = new ConfigIssue(severity, code, message, document.file(), at.line(), at.column());
        if (!issues.contains(issue)) {
            issues.add(issue);
        }
    }

    /** A problem in one query, at an offset of its text (of {@code source} when set: a CTE's). */
    private static final class QueryError extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final String code;
        private final int offset;
        private final transient QueryText source;

        QueryError(String code, String message, int offset) {
            this(code, message, offset, null);
        }

        private QueryError(String code, String message, int offset, QueryText source) {
            super(message);
            this.code = code;
            this.offset = offset;
            this.source = source;
        }

        QueryError in(QueryText text) {
            return new QueryError(code, getMessage(), offset, text);
        }
    }
}
