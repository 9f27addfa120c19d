package org.syncsuite.core;

import java.util.List;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/**
 * Generators of JSON text for property tests of parsers: any JSON value (with numbers of every
 * form, escapes and code points of the whole Unicode range), objects whose keys come from a
 * given vocabulary (so that a parser's field checks are reached), and texts mutated by deleting,
 * duplicating, swapping or inserting characters.
 */
public final class JsonTexts {

    private JsonTexts() {
    }

    /** Numbers as a client might write them: small, huge, negative, fractional, exponents, many digits. */
    public static Arbitrary<String> numbers() {
        return Arbitraries.oneOf(
                Arbitraries.integers().between(-5, 5).map(String::valueOf),
                Arbitraries.longs().map(String::valueOf),
                Arbitraries.doubles().map(d -> Double.isFinite(d) ? String.valueOf(d) : "1e999"),
                Arbitraries.of("9223372036854775807", "9223372036854775808", "-9223372036854775809", "9999999999999999999",
                        "18446744073709551617", "1e308", "1e309", "-0", "0.0", "4.9e-324", "1E+2", "3.0",
                        "2147483648", "-2147483649", "1" + "0".repeat(99), "1" + "0".repeat(120), "0." + "1".repeat(200)),
                Arbitraries.strings().numeric().ofMinLength(1).ofMaxLength(30));
    }

    /** Strings with any code point, lone surrogates included, as JSON string literals. */
    public static Arbitrary<String> strings() {
        return Arbitraries.oneOf(
                Arbitraries.strings().all().ofMaxLength(12),
                Arbitraries.strings().withCharRange('0', '9').ofMinLength(1).ofMaxLength(21),
                Arbitraries.of("", "1", "0", "-1", "9223372036854775807", "9223372036854775808", "9999999999999999999",
                        "18446744073709551617", "1e3", " 1", "+1", "0x10", "١٢٣", "１２", "NaN", "Infinity", "null", "true", "'; DROP TABLE x; --",
                        "\u0000", "\uD800", "\uDFFF", "\uD83D\uDE00", "a\u202Eb", "\uFEFF1"))
                .map(JsonTexts::quote);
    }

    public static Arbitrary<String> scalars() {
        return Arbitraries.oneOf(numbers(), strings(), Arbitraries.of("true", "false", "null"));
    }

    /** Any JSON value, nested up to {@code depth}, object keys drawn from {@code keys} or anything. */
    public static Arbitrary<String> values(int depth, List<String> keys) {
        return Arbitraries.recursive(JsonTexts::scalars, inner -> Arbitraries.oneOf(
                scalars(),
                inner.list().ofMaxSize(4).map(items -> "[" + String.join(",", items) + "]"),
                objects(inner, keys)), 0, depth);
    }

    /** Objects of {@code values}, keys from the vocabulary or any string. */
    public static Arbitrary<String> objects(Arbitrary<String> values, List<String> keys) {
        Arbitrary<String> key = keys.isEmpty() ? strings()
                : Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(6, Arbitraries.of(keys).map(JsonTexts::quote)),
                        net.jqwik.api.Tuple.of(1, strings()));
        return Combinators.combine(key, values).as((k, v) -> k + ":" + v).list().ofMaxSize(5)
                .map(members -> "{" + String.join(",", members) + "}");
    }

    /** {@code text} with a few random edits: characters deleted, duplicated, swapped or inserted. */
    public static Arbitrary<String> mutated(Arbitrary<String> texts) {
        Arbitrary<Edit> edit = Combinators.combine(Arbitraries.integers().between(0, 3), Arbitraries.integers().greaterOrEqual(0),
                Arbitraries.of('{', '}', '[', ']', '"', ',', ':', '\\', '0', '-', 'e', '.', ' ', 'n', '\u0000', '\uD800'))
                .as(Edit::new);
        return Combinators.combine(texts, edit.list().ofMinSize(1).ofMaxSize(4)).as((text, edits) -> {
            StringBuilder out = new StringBuilder(text);
            for (Edit e : edits) {
                e.apply(out);
            }
            return out.toString();
        });
    }

    /** One edit at a position (taken modulo the length). */
    record Edit(int kind, int position, char inserted) {
        void apply(StringBuilder text) {
            if (text.isEmpty()) {
                text.append(inserted);
                return;
            }
            int at = position % text.length();
            switch (kind) {
                case 0 -> text.deleteCharAt(at);
                case 1 -> text.insert(at, text.charAt(at));
                case 2 -> {
                    int other = (at + 1) % text.length();
                    char c = text.charAt(at);
                    text.setCharAt(at, text.charAt(other));
                    text.setCharAt(other, c);
                }
                default -> text.insert(at, inserted);
            }
        }
    }

    /** A JSON string literal of {@code text}, escaping what JSON requires. */
    public static String quote(String text) {
        StringBuilder out = new StringBuilder("\"");
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.append('"').toString();
    }
}
