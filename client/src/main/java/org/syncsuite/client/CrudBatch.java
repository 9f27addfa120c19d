package org.syncsuite.client;

import java.util.List;

/** Up to a number of queued writes, possibly across transactions; {@code hasMore} when the queue holds more. */
public final class CrudBatch {

    private final PowerSyncDatabase database;
    private final List<CrudEntry> crud;
    private final boolean hasMore;

    CrudBatch(PowerSyncDatabase database, List<CrudEntry> crud, boolean hasMore) {
        this.database = database;
        this.crud = List.copyOf(crud);
        this.hasMore = hasMore;
    }

    public List<CrudEntry> crud() {
        return crud;
    }

    public boolean hasMore() {
        return hasMore;
    }

    /** The entries were uploaded: they leave the queue. */
    public void complete() {
        database.completeCrud(crud.get(crud.size() - 1).clientId());
    }
}
