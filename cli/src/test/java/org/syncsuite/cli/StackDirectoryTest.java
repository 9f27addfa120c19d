package org.syncsuite.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StackDirectoryTest {

    @TempDir
    Path workDir;

    @Test
    void stateSurvivesARoundTripAndWipeRemovesEverything() throws Exception {
        StackDirectory directory = new StackDirectory(workDir.resolve(".powersync"));
        assertThat(directory.readState()).isEmpty();

        directory.create();
        assertThat(Files.readString(directory.root().resolve(".gitignore"))).isEqualTo("*\n");
        Properties state = new Properties();
        state.setProperty("mariadb.port", "3307");
        state.setProperty("pid", "42");
        directory.writeState(state);
        Files.createDirectories(directory.mariaDb().resolve("data"));

        assertThat(directory.readState()).hasValueSatisfying(read ->
                assertThat(read).containsEntry("mariadb.port", "3307").containsEntry("pid", "42"));

        directory.clearState();
        assertThat(directory.readState()).isEmpty();

        directory.wipe();
        assertThat(directory.exists()).isFalse();
    }

    @Test
    void aStackIsFoundByTheLockItHolds() throws Exception {
        StackDirectory directory = new StackDirectory(workDir.resolve(".powersync"));
        assertThat(directory.holder()).as("no folder").isEmpty();
        directory.create();
        Files.writeString(directory.lockFile(), "1");
        assertThat(directory.holder()).as("a lock file nobody holds, with a stale pid").isEmpty();

        java.nio.channels.FileLock lock = directory.lock().orElseThrow();
        assertThat(Files.readString(directory.lockFile())).isEqualTo(Long.toString(ProcessHandle.current().pid()));
        assertThat(directory.lock()).as("taken once").isEmpty();
        assertThat(directory.holder()).contains(ProcessHandle.current());
        assertThat(directory.holder()).as("still held after a look").contains(ProcessHandle.current());
        assertThat(lock.isValid()).isTrue();

        lock.channel().close();
        assertThat(directory.holder()).as("released").isEmpty();
    }

    @Test
    void helpListsTheStackCommandsAndExitCodes() {
        java.io.StringWriter out = new java.io.StringWriter();
        picocli.CommandLine commandLine = PowerSync.commandLine();
        commandLine.setOut(new java.io.PrintWriter(out));
        assertThat(commandLine.execute("stack", "--help")).isZero();
        assertThat(out.toString()).contains("start", "stop", "status", "reset", "--stack-dir");
        java.io.StringWriter top = new java.io.StringWriter();
        commandLine.setOut(new java.io.PrintWriter(top));
        assertThat(commandLine.execute("--help")).isZero();
        assertThat(top.toString()).contains("stack", "Exit codes", "3   stack status: the stack is not running");
    }

    @Test
    void unknownCommandsAreUsageErrors() {
        picocli.CommandLine commandLine = PowerSync.commandLine();
        commandLine.setErr(new java.io.PrintWriter(new java.io.StringWriter()));
        assertThat(commandLine.execute("stack", "launch")).isEqualTo(2);
    }
}
