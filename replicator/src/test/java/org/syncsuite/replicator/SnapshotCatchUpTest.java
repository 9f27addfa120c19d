package org.syncsuite.replicator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.syncsuite.core.SqliteValue;
import org.syncsuite.core.change.SnapshotProgress;
import org.syncsuite.core.change.SourcePosition;
import org.syncsuite.core.mysql.ColumnType;

class SnapshotCatchUpTest {

    private static final SourcePosition FIRST_VIEW = SourcePosition.at("", "binlog.000001", 100);
    private static final SourcePosition SECOND_VIEW = SourcePosition.at("", "binlog.000001", 5000);
    private static final SourcePosition THIRD_VIEW = SourcePosition.at("", "binlog.000002", 300);

    /** Tables a, b, c; the first crash came after a and b up to id 40, the second in c after id 7. */
    private final SnapshotProgress progress = new SnapshotProgress(List.of("a", "b"), Optional.of("c"), Optional.of(key(7)), false)
            .restartedAt(THIRD_VIEW);
    private final SnapshotProgress twice = new SnapshotProgress(List.of("a"), Optional.of("b"), Optional.of(key(40)), false)
            .restartedAt(SECOND_VIEW);
    private final SnapshotCatchUp catchUp = SnapshotCatchUp.of(Optional.of(new SnapshotProgress(List.of("a", "b", "c"),
            Optional.empty(), Optional.empty(), true, List.of(twice.restarts().getFirst(), progress.restarts().getFirst()))),
            FIRST_VIEW, Map.of("b", schema("b"), "c", schema("c")), () -> {
                throw new AssertionError("numeric keys need no source");
            }).orElseThrow();

    @Test
    void aRowReadInALaterViewSkipsTheChangesThatViewHeld() {
        // b up to 40 was read in the first view: every change streams.
        assertThat(catchUp.alreadyRead("b", key(40), "binlog.000001", 200)).isFalse();
        // b after 40 was read in the second view: changes before it are in the rows, later ones are not.
        assertThat(catchUp.alreadyRead("b", key(41), "binlog.000001", 4999)).isTrue();
        assertThat(catchUp.alreadyRead("b", key(41), "binlog.000001", 5000)).isTrue();
        assertThat(catchUp.alreadyRead("b", key(41), "binlog.000001", 5001)).isFalse();
        // c up to 7 was read in the second view, after 7 in the third.
        assertThat(catchUp.alreadyRead("c", key(7), "binlog.000001", 6000)).isFalse();
        assertThat(catchUp.alreadyRead("c", key(8), "binlog.000001", 6000)).isTrue();
        assertThat(catchUp.alreadyRead("c", key(8), "binlog.000002", 301)).isFalse();
        // a was read in the first view.
        assertThat(catchUp.alreadyRead("a", key(1_000_000), "binlog.000001", 200)).isFalse();
    }

    @Test
    void itEndsAtTheLastView() {
        assertThat(catchUp.covers("binlog.000002", 300)).isTrue();
        assertThat(catchUp.covers("binlog.000002", 301)).isFalse();
        assertThat(catchUp.covers("binlog.000001", 999_999)).isTrue();
        assertThat(SnapshotCatchUp.of(Optional.of(progress), SourcePosition.at("", "binlog.000002", 300), Map.of(), () -> null))
                .as("streaming already past the last view").isEmpty();
        assertThat(SnapshotCatchUp.of(Optional.of(SnapshotProgress.started()), FIRST_VIEW, Map.of(), () -> null))
                .as("a snapshot read in one view").isEmpty();
    }

    @Test
    void textKeysCompareInTheirCollationEvenWhenTheyLookLikeNumbers() {
        SnapshotProgress stoppedInText = new SnapshotProgress(List.of(), Optional.of("t"),
                Optional.of(Map.of("id", SqliteValue.of("10"))), false).restartedAt(SECOND_VIEW);
        TableSchema text = new TableSchema("app", "t", List.of(new TableSchema.Column("id", ColumnType.parse("varchar(20)", "utf8mb4"))),
                List.of("id"));
        SnapshotCatchUp textCatchUp = SnapshotCatchUp.of(Optional.of(stoppedInText), FIRST_VIEW, Map.of("t", text), () -> {
            throw new IllegalStateException("asked the source");
        }).orElseThrow();
        assertThatThrownBy(() -> textCatchUp.alreadyRead("t", Map.of("id", SqliteValue.of("2")), "binlog.000001", 200))
                .hasMessage("asked the source");
    }

    @Test
    void aTruncationWithinTheCatchUpLetsTheTablesChangesThrough() {
        assertThat(catchUp.alreadyRead("c", key(8), "binlog.000001", 6000)).isTrue();
        catchUp.truncated("c");
        assertThat(catchUp.alreadyRead("c", key(8), "binlog.000001", 6000)).isFalse();
        assertThat(catchUp.alreadyRead("b", key(41), "binlog.000001", 4999)).isTrue();
    }

    private static Map<String, SqliteValue> key(long id) {
        return Map.of("id", SqliteValue.of(id));
    }

    private static TableSchema schema(String table) {
        return new TableSchema("app", table, List.of(new TableSchema.Column("id", ColumnType.parse("int", null))), List.of("id"));
    }
}
