package org.syncsuite.faults;

import java.util.List;
import java.util.Map;

/** A client device of one user, on our Java client or on the official Node client. */
interface Device extends AutoCloseable {

    String name();

    String user();

    /** Starts or stops the device's own local writes. */
    void writing(boolean on) throws Exception;

    /** The device's local lists and todos, each ordered by id. */
    Rows rows() throws Exception;

    /** Local writes not yet acknowledged by the backend. */
    long pendingUploads() throws Exception;

    /** Each todo this device wrote, with the description of its last write the backend acknowledged. */
    Map<String, String> acknowledged() throws Exception;

    /** What went wrong on the device: checksum failures, refused or failed writes. */
    List<String> problems() throws Exception;

    /** Entries the backend reported it had applied before (an upload sent again after its answer was lost). */
    long duplicatesReported() throws Exception;

    /** The device's sync status, for failure messages. */
    String status() throws Exception;

    /** Lists and todos as rows of column values, values as text (null stays null). */
    record Rows(List<Map<String, Object>> lists, List<Map<String, Object>> todos) {

        public Rows {
            lists = canonical(lists);
            todos = canonical(todos);
        }

        private static List<Map<String, Object>> canonical(List<Map<String, Object>> rows) {
            return rows.stream().map(row -> {
                Map<String, Object> copy = new java.util.TreeMap<>();
                row.forEach((k, v) -> copy.put(k, v == null ? null : v.toString()));
                return (Map<String, Object>) copy;
            }).sorted(java.util.Comparator.comparing(row -> String.valueOf(row.get("id")))).toList();
        }
    }
}
