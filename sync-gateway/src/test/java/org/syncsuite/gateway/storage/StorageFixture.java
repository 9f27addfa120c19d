package org.syncsuite.gateway.storage;

import java.util.UUID;

import org.syncsuite.services.EmbeddedMariaDb;

/** What the storage tests share: a new bucket storage database, migrated. */
final class StorageFixture {

    private StorageFixture() {
    }

    /** A new database named {@code <prefix>_<random>}, at the current schema. */
    static String newStorage(EmbeddedMariaDb db, String prefix) {
        String database = prefix + "_" + UUID.randomUUID().toString().substring(0, 8);
        db.createDatabase(database);
        StorageMigrations.migrate(db.jdbcUrl(database), db.rootUser(), db.rootPassword());
        return database;
    }
}
