package org.syncsuite.client;

import java.util.List;

/**
 * The writes of one local transaction, in order, for the connector to upload. {@link #complete()}
 * takes them off the queue; until then they are handed out again.
 */
public final class CrudTransaction {

    private final PowerSyncDatabase database;
    private final long transactionId;
    private final List<CrudEntry> crud;

    CrudTransaction(PowerSyncDatabase database, long transactionId, List<CrudEntry> crud) {
        this.database = database;
        this.transactionId = transactionId;
        this.crud = List.copyOf(crud);
    }

    public long transactionId() {
        return transactionId;
    }

    public List<CrudEntry> crud() {
        return crud;
    }

    /** The entries were applied by the backend (or refused for good): they leave the queue. */
    public void complete() {
        database.completeCrud(crud.get(crud.size() - 1).clientId());
    }
}
