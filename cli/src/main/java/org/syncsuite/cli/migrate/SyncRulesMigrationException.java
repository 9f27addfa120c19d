package org.syncsuite.cli.migrate;

import java.util.List;
import java.util.stream.Collectors;

/** A legacy sync config that cannot be migrated to Sync Streams as it is: every problem found. */
public final class SyncRulesMigrationException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String file;
    private final transient List<MigrationProblem> problems;

    public SyncRulesMigrationException(String file, List<MigrationProblem> problems) {
        super(problems.size() + " problem(s) migrating " + file + " to Sync Streams:\n"
                + problems.stream().map(p -> p.describe(file)).collect(Collectors.joining("\n")));
        this.file = file;
        this.problems = List.copyOf(problems);
    }

    /** The input file's name, as given to the migrator. */
    public String file() {
        return file;
    }

    public List<MigrationProblem> problems() {
        return problems;
    }
}
