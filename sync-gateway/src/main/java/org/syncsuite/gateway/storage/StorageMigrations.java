package org.syncsuite.gateway.storage;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.output.MigrateResult;
import org.syncsuite.core.ErrorCode;
import org.syncsuite.core.SyncException;

/**
 * Brings a bucket storage database to this version's schema with Flyway
 * ({@code db/storage/V*__*.sql}). Safe to run from every instance at start: Flyway takes a lock,
 * and a database already up to date is left alone.
 */
public final class StorageMigrations {

    /** Where the migrations live on the class path. */
    public static final String LOCATION = "classpath:db/storage";

    private StorageMigrations() {
    }

    /**
     * Migrates the database at {@code jdbcUrl} (which names it) and returns the schema version it
     * is at now.
     *
     * @throws SyncException {@link ErrorCode#STORAGE_UNAVAILABLE} when it cannot be reached or migrated
     */
    public static String migrate(String jdbcUrl, String user, String password) {
        try {
            MigrateResult result = Flyway.configure()
                    .dataSource(jdbcUrl, user, password)
                    .locations(LOCATION)
                    .table("schema_history")
                    .validateMigrationNaming(true)
                    .load()
                    .migrate();
            return result.targetSchemaVersion != null ? result.targetSchemaVersion : result.initialSchemaVersion;
        } catch (FlywayException e) {
            throw new SyncException(ErrorCode.STORAGE_UNAVAILABLE, "Could not migrate the bucket storage at "
                    + jdbcUrl.replaceAll("\\?.*", "") + ": " + e.getMessage(), e);
        }
    }
}
