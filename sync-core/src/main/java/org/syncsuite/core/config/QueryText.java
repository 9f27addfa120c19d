package org.syncsuite.core.config;

/**
 * A SQL query as written in the config, able to turn a character offset inside the query into a
 * line and column of the file: exact for single-line scalars and literal blocks ({@code |}),
 * the scalar's first line otherwise.
 *
 * @param sql          the query text as YAML delivered it
 * @param start        where the query's first character is in the file
 * @param blockIndent  for a literal block, the indentation of its lines; -1 otherwise
 */
public record QueryText(String sql, Position start, int blockIndent) {

    public static QueryText inline(String sql, Position start) {
        return new QueryText(sql, start, -1);
    }

    public Position positionOf(int offset) {
        int clamped = Math.max(0, Math.min(offset, sql.length()));
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
