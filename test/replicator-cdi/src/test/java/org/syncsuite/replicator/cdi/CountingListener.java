package org.syncsuite.replicator.cdi;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;
import org.syncsuite.core.change.SourcePosition;
import org.syncsuite.replicator.ReplicationListener;

/** A listener bean of the test's own: the service must find it among the listeners. */
@ApplicationScoped
public class CountingListener implements ReplicationListener {

    private final AtomicLong changes = new AtomicLong();

    @Override
    public void committed(int sourceTransactions, int changeCount, Duration kafkaTime, SourcePosition position,
                          long sourceCommitMillis) {
        changes.addAndGet(changeCount);
    }

    long changes() {
        return changes.get();
    }
}
