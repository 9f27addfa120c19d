package org.syncsuite.services;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MariaDbInstallIT {

    @TempDir
    Path folder;

    @Test
    void aHalfInstalledDataFolderIsInstalledAgainAndAPersistentOneKeepsItsData() throws Exception {
        // What a killed install leaves: a system schema folder, but no completed-install marker.
        Files.createDirectories(folder.resolve("data/mysql"));
        Files.writeString(folder.resolve("data/mysql/garbage.frm"), "not a table");

        try (EmbeddedMariaDb db = EmbeddedMariaDb.builder().dataDirectory(folder).build()) {
            db.start();
            db.createDatabase("survives_restart");
        }
        assertThat(folder.resolve("data/mysql/garbage.frm")).doesNotExist();
        assertThat(folder.resolve("data.installed")).exists();

        try (EmbeddedMariaDb again = EmbeddedMariaDb.builder().dataDirectory(folder).build()) {
            again.start();
            try (Connection connection = again.rootConnection("");
                 ResultSet rs = connection.createStatement().executeQuery("SHOW DATABASES LIKE 'survives_restart'")) {
                assertThat(rs.next()).isTrue();
            }
        }
        assertThat(folder).exists();
    }
}
