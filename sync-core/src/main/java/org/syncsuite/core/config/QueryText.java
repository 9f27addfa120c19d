package org.syncsuite.core.config;

import java.util.List;

/**
 * A SQL query as written in the config, able to turn a character offset inside the query into a
 * line and column of the file: exact for single-line scalars and literal blocks ({@code |}); for
 * scalars YAML folds from several lines (plain or quoted scalars over several lines, folded
 * blocks {@code >}), by the line each run of characters came from.
 *
 * @param sql          the query text as YAML delivered it
 * @param start        where the query's first character is in the file
 * @param blockIndent  for a literal block, the indentation of its lines; -1 otherwise
 * @param segments     for a folded scalar, where each line's characters are in {@code sql}; empty otherwise
 */
public record QueryText(String sql, Position start, int blockIndent, List<Segment> segments) {

    /** {@code length} characters of the query from {@code offset} stand on one line of the file, from {@code at}. */
    public record Segment(int offset, int length, Position at) {
    }

    public QueryText {
        segments = List.copyOf(segments);
    }

    public QueryText(String sql, Position start, int blockIndent) {
        this(sql, start, blockIndent, List.of());
    }

    public static QueryText inline(String sql, Position start) {
        return new QueryText(sql, start, -1);
    }

    /** A query YAML folded from the lines of {@code segments} (in order, the first one first). */
    public static QueryText folded(String sql, List<Segment> segments) {
        return new QueryText(sql, segments.getFirst().at(), -1, segments);
    }

    public Position positionOf(int offset) {
        // The end of a block's text lies past its last line break: it is placed at the end of its last line.
        int end = sql.length();
        while (end > 0 && (sql.charAt(end - 1) == '\n' || sql.charAt(end - 1) == '\r')) {
            end--;
        }
        int clamped = Math.max(0, Math.min(offset, end));
        if (!segments.isEmpty()) {
            Segment on = segments.getFirst();
            for (Segment segment : segments) {
                if (segment.offset() <= clamped) {
                    on = segment;
                }
            }
            int within = Math.max(0, Math.min(clamped - on.offset(), on.length()));
            return new Position(on.at().line(), on.at().column() + within);
        }
        if (blockIndent < 0) {
            if (sql.indexOf('\n') < 0 || sql.indexOf('\n') >= clamped) {
                return new Position(start.line(), start.column() + clamped);
            }
            return start;
        }
        int line = start.line();
        int lineStart = 0;
        for (int i = 0; i < clamped; i++) {
            if (sql.charAt(i) == '\n') {
                line++;
                lineStart = i + 1;
            }
        }
        return new Position(line, blockIndent + 1 + (clamped - lineStart));
    }
}
