package org.syncsuite.attachments;

/** Who calls: a client by its JWT subject, or a service holding an admin API token (any owner). */
record Caller(String subject, boolean admin) {

    /** Whether this caller may read or delete what {@code owner} stored. */
    boolean mayAccess(String owner) {
        return admin || subject.equals(owner);
    }
}
