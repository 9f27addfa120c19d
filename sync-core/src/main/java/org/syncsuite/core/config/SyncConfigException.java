package org.syncsuite.core.config;

import java.util.List;
import java.util.stream.Collectors;

import org.syncsuite.core.ErrorCode;
import org.syncsuite.core.SyncException;

/** A sync config with errors: all of them, each with its file, line and column. */
public final class SyncConfigException extends SyncException {

    private static final long serialVersionUID = 1L;

    private final transient List<ConfigIssue> issues;

    public SyncConfigException(List<ConfigIssue> issues) {
        super(ErrorCode.SYNC_CONFIG_INVALID, issues.stream().filter(ConfigIssue::isError).count() + " error(s) in the sync config:\n"
                + issues.stream().filter(ConfigIssue::isError).map(ConfigIssue::toString).collect(Collectors.joining("\n")));
        this.issues = List.copyOf(issues);
    }

    /** Errors and warnings, in file order. */
    public List<ConfigIssue> issues() {
        return issues;
    }
}
