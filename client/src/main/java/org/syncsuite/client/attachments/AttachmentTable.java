package org.syncsuite.client.attachments;

import java.util.ArrayList;
import java.util.List;

import org.syncsuite.client.Column;
import org.syncsuite.client.Table;

/**
 * The local-only table that keeps the attachments' state (never synced nor uploaded): columns
 * {@code filename}, {@code local_uri}, {@code timestamp}, {@code size}, {@code media_type},
 * {@code state} (an {@link AttachmentState#code()}), {@code has_synced} (0 or 1) and
 * {@code meta_data} (JSON text), besides the implicit {@code id}. Apps add it to their
 * {@link org.syncsuite.client.Schema} and name it to the {@link AttachmentQueue}.
 */
public final class AttachmentTable {

    /** The table's name unless the app chooses another. */
    public static final String DEFAULT_NAME = "attachments";

    /** The columns every attachments table has, in this order. */
    public static final List<Column> COLUMNS = List.of(Column.text("filename"), Column.text("local_uri"),
            Column.integer("timestamp"), Column.integer("size"), Column.text("media_type"), Column.integer("state"),
            Column.integer("has_synced"), Column.text("meta_data"));

    private AttachmentTable() {
    }

    /** The table named {@value #DEFAULT_NAME}. */
    public static Table create() {
        return create(DEFAULT_NAME);
    }

    /** The table named {@code name}. */
    public static Table create(String name) {
        return create(name, List.of());
    }

    /**
     * The table named {@code name} with the app's {@code additionalColumns} after the standard
     * ones; the queue leaves them alone (an update hook may fill them).
     */
    public static Table create(String name, List<Column> additionalColumns) {
        List<Column> columns = new ArrayList<>(COLUMNS);
        columns.addAll(additionalColumns);
        return new Table(name, columns, List.of(), true, false, false).withIndex("state", "state", "timestamp");
    }
}
