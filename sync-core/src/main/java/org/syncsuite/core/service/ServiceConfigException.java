package org.syncsuite.core.service;

import java.util.List;
import java.util.stream.Collectors;

import org.syncsuite.core.ErrorCode;
import org.syncsuite.core.SyncException;
import org.syncsuite.core.config.ConfigIssue;

/** A service config with errors: all of them, each with file, line, column and key. */
public final class ServiceConfigException extends SyncException {

    private static final long serialVersionUID = 1L;

    private final transient List<ConfigIssue> issues;

    public ServiceConfigException(List<ConfigIssue> issues) {
        super(ErrorCode.SERVICE_CONFIG_INVALID, issues.size() + " error(s) in the service config:\n"
                + issues.stream().map(ConfigIssue::toString).collect(Collectors.joining("\n")));
        this.issues = List.copyOf(issues);
    }

    public List<ConfigIssue> issues() {
        return issues;
    }
}
