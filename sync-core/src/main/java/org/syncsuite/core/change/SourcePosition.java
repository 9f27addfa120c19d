package org.syncsuite.core.change;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Where replication stands in the source's binary log: the executed GTID set, and the binlog
 * file and offset of the next event to read, with how many events and rows of that event to skip
 * (a crash can land inside a multi-row event). Resuming from it repeats nothing and loses nothing.
 */
public record SourcePosition(String gtidSet, String file, long offset, long eventsToSkip, long rowsToSkip) {

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = org.syncsuite.core.JsonMappers.builder().build();

    public SourcePosition {
        Objects.requireNonNull(gtidSet, "gtidSet");
        Objects.requireNonNull(file, "file");
        if (offset < 0 || eventsToSkip < 0 || rowsToSkip < 0) {
            throw new IllegalArgumentException("positions and skip counts are never negative");
        }
    }

    public static SourcePosition at(String gtidSet, String file, long offset) {
        return new SourcePosition(gtidSet, file, offset, 0, 0);
    }

    /** A position in its JSON form ({@code {"gtids","file","pos","skip_events","skip_rows"}}). */
    public static SourcePosition parseJson(String json) {
        try {
            com.fasterxml.jackson.databind.JsonNode p = JSON.readTree(json);
            return new SourcePosition(p.path("gtids").asText(""), p.path("file").asText(""), p.path("pos").asLong(),
                    p.path("skip_events").asLong(), p.path("skip_rows").asLong());
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("not a source position: " + json, e);
        }
    }

    /** The JSON form {@link #parseJson} reads. */
    public String toJson() {
        com.fasterxml.jackson.databind.node.ObjectNode node = JSON.createObjectNode();
        node.put("gtids", gtidSet).put("file", file).put("pos", offset).put("skip_events", eventsToSkip)
                .put("skip_rows", rowsToSkip);
        return node.toString();
    }

    /**
     * Whether replication at this position has seen everything the source had written at
     * {@code head} (a source's current position, read when a client asked for a write checkpoint).
     * Within one binlog (the same file base name) file and offset decide; across binlogs, as after
     * a failover, the GTIDs do: MariaDB's per domain ({@code domain-server-sequence}), MySQL's per
     * server UUID (the highest transaction number). A GTID source that this position has never
     * seen counts as reached: its transactions are older than the replication stream.
     */
    public boolean reaches(SourcePosition head) {
        if (!file.isEmpty() && !head.file.isEmpty() && baseName(file).equals(baseName(head.file))) {
            int byFile = compareFiles(file, head.file);
            return byFile > 0 || (byFile == 0 && offset >= head.offset);
        }
        Map<String, Long> seen = highestByOrigin(gtidSet);
        for (Map.Entry<String, Long> wanted : highestByOrigin(head.gtidSet).entrySet()) {
            Long have = seen.get(wanted.getKey());
            if (have != null && have < wanted.getValue()) {
                return false;
            }
        }
        return true;
    }

    private static String baseName(String file) {
        int dot = file.lastIndexOf('.');
        return dot < 0 ? file : file.substring(0, dot);
    }

    /** Binlog files of one base name by their numeric extension, however many digits it has. */
    private static int compareFiles(String a, String b) {
        String x = a.substring(a.lastIndexOf('.') + 1);
        String y = b.substring(b.lastIndexOf('.') + 1);
        if (x.matches("\\d+") && y.matches("\\d+")) {
            return new java.math.BigInteger(x).compareTo(new java.math.BigInteger(y));
        }
        return a.compareTo(b);
    }

    /** MariaDB: domain to sequence number; MySQL: server UUID to its highest transaction number. */
    private static Map<String, Long> highestByOrigin(String gtids) {
        Map<String, Long> highest = new HashMap<>();
        for (String part : gtids.split(",")) {
            String gtid = part.strip();
            if (gtid.isEmpty()) {
                continue;
            }
            int colon = gtid.indexOf(':');
            if (colon > 0) {
                long max = 0;
                for (String interval : gtid.substring(colon + 1).split(":")) {
                    String end = interval.substring(interval.indexOf('-') + 1);
                    max = Math.max(max, Long.parseLong(end.strip()));
                }
                highest.merge(gtid.substring(0, colon).toLowerCase(java.util.Locale.ROOT), max, Math::max);
            } else {
                String[] fields = gtid.split("-");
                if (fields.length == 3) {
                    highest.merge(fields[0], Long.parseLong(fields[2]), Math::max);
                }
            }
        }
        return highest;
    }
}
