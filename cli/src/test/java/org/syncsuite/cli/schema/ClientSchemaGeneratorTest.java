package org.syncsuite.cli.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.syncsuite.client.Column;
import org.syncsuite.client.ColumnType;
import org.syncsuite.client.Schema;
import org.syncsuite.client.Table;
import org.syncsuite.core.config.SyncConfigCompiler;
import org.syncsuite.core.config.SyncPlan;

/** Client schemas for the demo app's sync config and source schema, in every language. */
class ClientSchemaGeneratorTest {

    /** The demo's MySQL tables as the gateway's schema endpoint describes them. */
    static final String DEMO_SCHEMA = """
            {"data": {"connections": [{"id": "default", "tag": "default", "schemas": [{"name": "demo", "tables": [
              {"name": "lists", "columns": [
                {"name": "id", "type": "varchar(36)", "sqlite_type": 2},
                {"name": "created_at", "type": "datetime(3)", "sqlite_type": 2},
                {"name": "name", "type": "text", "sqlite_type": 2},
                {"name": "owner_id", "type": "varchar(255)", "sqlite_type": 2}]},
              {"name": "todos", "columns": [
                {"name": "id", "type": "varchar(36)", "sqlite_type": 2},
                {"name": "created_at", "type": "datetime(3)", "sqlite_type": 2},
                {"name": "completed_at", "type": "datetime(3)", "sqlite_type": 2},
                {"name": "description", "type": "text", "sqlite_type": 2},
                {"name": "completed", "type": "tinyint(1)", "sqlite_type": 4},
                {"name": "created_by", "type": "varchar(255)", "sqlite_type": 2},
                {"name": "completed_by", "type": "varchar(255)", "sqlite_type": 2},
                {"name": "list_id", "type": "varchar(36)", "sqlite_type": 2},
                {"name": "photo_id", "type": "varchar(36)", "sqlite_type": 2}]}]}]}],
              "defaultConnectionTag": "default", "defaultSchema": "demo"}}
            """;

    private static final ObjectMapper JSON = new ObjectMapper();

    static SyncPlan demoPlan() throws IOException {
        try (InputStream in = ClientSchemaGeneratorTest.class.getResourceAsStream("/org/syncsuite/demo/sync-config.yaml")) {
            assertThat(in).as("the demo sync config on the class path").isNotNull();
            return SyncConfigCompiler.compile("sync-config.yaml", new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    static JsonNode demoSchema() throws IOException {
        return JSON.readTree(DEMO_SCHEMA);
    }

    private static String generate(String language) throws IOException {
        return ClientSchemaGenerator.generate(language, demoPlan(), demoSchema());
    }

    @Test
    void describesTheDemoTablesWithSourceTypesAndNoId() throws IOException {
        ClientSchema schema = ClientSchemaGenerator.describe(demoPlan(), SourceDatabaseSchema.fromResponse(demoSchema()));
        assertThat(schema.tables()).extracting(ClientTable::name).containsExactly("lists", "todos");
        assertThat(schema.tables().get(0).columns()).containsExactly(
                new ClientTable.ClientColumn("created_at", "text"),
                new ClientTable.ClientColumn("name", "text"),
                new ClientTable.ClientColumn("owner_id", "text"));
        assertThat(schema.tables().get(1).columns()).extracting(ClientTable.ClientColumn::name).containsExactly(
                "created_at", "completed_at", "description", "completed", "created_by", "completed_by", "list_id", "photo_id");
        assertThat(schema.tables().get(1).columns()).contains(new ClientTable.ClientColumn("completed", "integer"));
        assertThat(schema.notes()).isEmpty();
    }

    @Test
    void typeScript() throws IOException {
        String ts = generate("ts");
        assertThat(ts).startsWith("// " + ClientSchemaWriter.HEADER)
                .contains("import { column, Schema, Table } from '@powersync/web';")
                .contains("const lists = new Table(", "const todos = new Table(")
                .contains("    description: column.text,", "    completed: column.integer,", "    owner_id: column.text")
                .contains("{ indexes: {} }")
                .contains("export const AppSchema = new Schema({\n  lists,\n  todos\n});")
                .contains("export type Database = (typeof AppSchema)['types'];")
                .doesNotContain("\n    id:");
    }

    @Test
    void javaScriptHasNoTypes() throws IOException {
        String js = generate("js");
        assertThat(js).contains("import { column, Schema, Table } from '@powersync/web';", "completed: column.integer",
                "export const AppSchema = new Schema({").doesNotContain("export type", "\n    id:");
    }

    @Test
    void kotlin() throws IOException {
        String kotlin = generate("kotlin");
        assertThat(kotlin).contains("import com.powersync.db.schema.Column", "import com.powersync.db.schema.Schema",
                        "import com.powersync.db.schema.Table")
                .contains("val todos = Table(\n    name = \"todos\",\n    columns = listOf(\n")
                .contains("        Column.integer(\"completed\"),", "        Column.text(\"description\"),")
                .contains("val AppSchema: Schema = Schema(\n    listOf(\n        lists,\n        todos,\n    ),\n)")
                .doesNotContain("(\"id\")");
    }

    @Test
    void dart() throws IOException {
        String dart = generate("dart");
        assertThat(dart).contains("import 'package:powersync/powersync.dart';", "const schema = Schema([",
                        "  Table('lists', [\n    Column.text('created_at'),", "    Column.integer('completed'),",
                        "  Table('todos', [")
                .doesNotContain("('id')");
    }

    @Test
    void swift() throws IOException {
        String swift = generate("swift");
        assertThat(swift).contains("import PowerSync", "let todos = Table(\n    name: \"todos\",\n    columns: [\n",
                        "        .integer(\"completed\"),", "        .text(\"list_id\"),",
                        "let AppSchema = Schema(tables: [lists, todos])")
                .doesNotContain("(\"id\")");
    }

    @Test
    void dotNetInEitherSpelling() throws IOException {
        String cs = generate("dotNet");
        assertThat(generate("dotnet")).isEqualTo(cs);
        assertThat(cs).contains("using PowerSync.Common.DB.Schema;", "using System.Collections.Generic;",
                        "public static readonly Table Todos = new Table(new Dictionary<string, ColumnType>",
                        "        { \"completed\", ColumnType.INTEGER },", "        { \"description\", ColumnType.TEXT },",
                        "new Schema(new Dictionary<string, Table>", "        { \"todos\", Todos },", "        { \"lists\", Lists },")
                .doesNotContain("{ \"id\"");
    }

    @Test
    void unknownLanguageListsTheValidOnes() {
        assertThatThrownBy(() -> generate("cobol")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cobol").hasMessageContaining("dart, dotNet, java, js, kotlin, swift, ts");
    }

    @Test
    void generatedJavaCompilesAgainstTheClient(@TempDir Path dir) throws Exception {
        String source = generate("java");
        assertThat(source).contains("public static final Schema SCHEMA").doesNotContain("(\"id\")");
        Schema schema = (Schema) compileAndLoad(dir, source, "AppSchema").getField("SCHEMA").get(null);
        assertThat(schema.tables()).extracting(Table::name).containsExactly("lists", "todos");
        Table todos = schema.table("todos").orElseThrow();
        assertThat(todos.columns()).contains(new Column("completed", ColumnType.INTEGER),
                new Column("description", ColumnType.TEXT));
        assertThat(todos.columns()).hasSize(8);
    }

    @Test
    void expressionTypesTablePatternsAndAwkwardNames(@TempDir Path dir) throws Exception {
        SyncPlan plan = SyncConfigCompiler.compile("sync-config.yaml", """
                config:
                  edition: 3
                streams:
                  logs:
                    auto_subscribe: true
                    query: SELECT * FROM "log_%"
                  items:
                    auto_subscribe: true
                    query: |
                      SELECT id, CAST(price AS REAL) AS price, length(title) AS title_length, qty, "in", "my-col",
                        weight, meta FROM "class"
                """);
        JsonNode schema = JSON.readTree("""
                {"connections": [{"schemas": [{"name": "app", "tables": [
                  {"name": "log_2024", "columns": [{"name": "id", "sqlite_type": 2}, {"name": "msg", "sqlite_type": 2},
                     {"name": "level", "sqlite_type": 4}]},
                  {"name": "log_2025", "columns": [{"name": "id", "sqlite_type": 2}, {"name": "msg", "sqlite_type": 2}]},
                  {"name": "class", "columns": [{"name": "id", "sqlite_type": 4}, {"name": "price", "sqlite_type": 2},
                     {"name": "title", "sqlite_type": 2}, {"name": "qty", "sqlite_type": 4}, {"name": "in", "sqlite_type": 2},
                     {"name": "my-col", "sqlite_type": 2}, {"name": "weight", "sqlite_type": 12},
                     {"name": "meta", "sqlite_type": 1}]}]}]}]}
                """);
        ClientSchema described = ClientSchemaGenerator.describe(plan, SourceDatabaseSchema.fromResponse(schema));
        assertThat(described.tables()).extracting(ClientTable::name).containsExactly("log_2024", "log_2025", "class");
        assertThat(described.tables().get(2).columns()).containsExactly(
                new ClientTable.ClientColumn("price", "real"), new ClientTable.ClientColumn("title_length", "integer"),
                new ClientTable.ClientColumn("qty", "integer"), new ClientTable.ClientColumn("in", "text"),
                new ClientTable.ClientColumn("my-col", "text"), new ClientTable.ClientColumn("weight", "real"),
                new ClientTable.ClientColumn("meta", "text"));

        assertThat(ClientSchemaGenerator.generate("ts", plan, schema))
                .contains("const class_ = new Table(", "'my-col': column.text", "  class: class_", "    in: column.text");
        assertThat(ClientSchemaGenerator.generate("kotlin", plan, schema)).contains("val `class` = Table(", "        `class`,");
        assertThat(ClientSchemaGenerator.generate("swift", plan, schema)).contains("let `class` = Table(",
                "Schema(tables: [log_2024, log_2025, `class`])");
        assertThat(ClientSchemaGenerator.generate("dotNet", plan, schema)).contains("public static readonly Table Class = ",
                "{ \"class\", Class }", "public static readonly Table Log2024 = ");
        assertThat(ClientSchemaGenerator.generate("dart", plan, schema)).contains("Column.text('my-col')");

        String java = ClientSchemaGenerator.generate("java", plan, schema);
        assertThat(java).contains("// Column my-col is left out");
        Schema compiled = (Schema) compileAndLoad(dir, java, "AppSchema").getField("SCHEMA").get(null);
        assertThat(compiled.tables()).extracting(Table::name).containsExactly("log_2024", "log_2025", "class");
        assertThat(compiled.table("class").orElseThrow().columns()).extracting(Column::name)
                .containsExactly("price", "title_length", "qty", "in", "weight", "meta");
    }

    /** Compiles one source file against the client classes and loads the class. */
    private static Class<?> compileAndLoad(Path dir, String source, String className) throws Exception {
        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        assertThat(compiler).as("a JDK compiler").isNotNull();
        Path file = dir.resolve(className + ".java");
        Files.writeString(file, source);
        String classPath = Path.of(Schema.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        java.io.ByteArrayOutputStream errors = new java.io.ByteArrayOutputStream();
        int result = compiler.run(null, null, errors, "-classpath", classPath, "-d", dir.toString(), file.toString());
        assertThat(result).as("javac of\n" + source + "\n" + errors).isZero();
        URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()}, ClientSchemaGeneratorTest.class.getClassLoader());
        return loader.loadClass(className);
    }

}
