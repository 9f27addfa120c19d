package org.syncsuite.gateway.writer;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.syncsuite.core.Checksums;
import org.syncsuite.core.SqliteValue;
import org.syncsuite.core.config.BucketPlacement;
import org.syncsuite.core.config.LookupEntry;
import org.syncsuite.core.config.RowEvaluation;
import org.syncsuite.core.config.SyncPlan;
import org.syncsuite.core.protocol.OplogEntry;
import org.syncsuite.gateway.storage.LookupKeys;

/**
 * The operations a run of changes makes, before they are written: per source row, the sync
 * config's placements compared with where the row was, giving a PUT in every bucket it is in now
 * and a REMOVE in every bucket it left; and its parameter lookups compared with the ones it had,
 * giving a new index entry for each (an empty one for each lookup it left). Operations are
 * numbered in the order they happen; they take their op ids when the batch is committed.
 *
 * <p>A row's previous membership must be {@link #known known} before it is applied; the writer
 * loads the memberships a run of changes needs in one query. Not thread-safe.
 */
final class WriterBatch {

    /** Rows whose JSON exceeds this are skipped, as PowerSync does (15 MB). */
    static final int MAX_ROW_BYTES = 15 * 1024 * 1024;

    /** A source row: its table, and its key as the changes topic's record key bytes. */
    record RowRef(String table, ByteBuffer key) {
        String keyText() {
            return StandardCharsets.UTF_8.decode(key.duplicate()).toString();
        }
    }

    /** One bucket operation, numbered {@code seq} within the batch. */
    record PendingOp(int seq, String bucket, OplogEntry.OpType op, String objectType, String objectId, String subkey,
                     long checksum, String data) {
    }

    /** One parameter index entry, numbered {@code seq} within the batch. */
    record PendingLookup(int seq, ByteBuffer lookup, String table, ByteBuffer key, String result) {
    }

    /** Where rows the config cannot evaluate are reported. */
    interface RowErrors {
        void rowNotEvaluated(String table, String key, String error);
    }

    private final SyncPlan plan;
    private final RowErrors errors;
    private final Map<RowRef, RowMembership> memberships = new HashMap<>();
    private final Set<RowRef> dirty = new LinkedHashSet<>();
    private List<PendingOp> ops = new ArrayList<>();
    private List<PendingLookup> lookups = new ArrayList<>();
    private Set<String> bucketsTouched = new LinkedHashSet<>();
    private Set<ByteBuffer> lookupsTouched = new LinkedHashSet<>();
    private final MessageDigest sha256;
    private int sequence;
    private int rows;
    private int maxDataBytes = MAX_ROW_BYTES;

    WriterBatch(SyncPlan plan, RowErrors errors) {
        this.plan = plan;
        this.errors = errors;
        try {
            this.sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    boolean isKnown(RowRef row) {
        return memberships.containsKey(row);
    }

    /** Records where {@code row} was before this batch ({@link RowMembership#NONE} when nowhere). */
    void known(RowRef row, RowMembership membership) {
        memberships.putIfAbsent(row, membership);
    }

    /**
     * Applies a row's new contents ({@code null} once deleted): PUTs where it is, REMOVEs where it
     * was and is no more, and its lookups' new entries.
     */
    void applyRow(RowRef row, Map<String, SqliteValue> contents) {
        RowMembership before = memberships.get(row);
        if (before == null) {
            throw new IllegalStateException("The membership of " + row.table() + " " + row.keyText() + " was not loaded");
        }
        List<BucketPlacement> placements = List.of();
        List<LookupEntry> entries = List.of();
        if (contents != null) {
            RowEvaluation evaluation = plan.evaluateRow(row.table(), contents);
            for (String error : evaluation.errors()) {
                errors.rowNotEvaluated(row.table(), row.keyText(), error);
            }
            placements = evaluation.placements();
            entries = evaluation.lookups();
        }
        if (placements.isEmpty() && entries.isEmpty() && before.isEmpty()) {
            return;
        }
        String subkey = subkey(row);
        List<RowMembership.BucketEntry> now = new ArrayList<>(placements.size());
        for (BucketPlacement placement : placements) {
            if (placement.data().length() > maxDataBytes / 4
                    && placement.data().getBytes(StandardCharsets.UTF_8).length > maxDataBytes) {
                errors.rowNotEvaluated(row.table(), row.keyText(), "the row's data for bucket " + placement.bucket()
                        + " exceeds " + maxDataBytes + " bytes; it is left out of that bucket");
                continue;
            }
            now.add(new RowMembership.BucketEntry(placement.bucket(), placement.objectType(), placement.objectId()));
            add(placement.bucket(), OplogEntry.OpType.PUT, placement.objectType(), placement.objectId(), subkey,
                    Checksums.put(placement.objectType(), placement.objectId(), placement.data()), placement.data());
        }
        for (RowMembership.BucketEntry was : before.buckets()) {
            if (!now.contains(was)) {
                add(was.bucket(), OplogEntry.OpType.REMOVE, was.table(), was.id(), subkey, Checksums.remove(subkey), null);
            }
        }
        Map<ByteBuffer, List<List<SqliteValue>>> results = new LinkedHashMap<>();
        for (LookupEntry entry : entries) {
            List<List<SqliteValue>> tuples = results.computeIfAbsent(
                    ByteBuffer.wrap(LookupKeys.lookup(entry.indexId(), entry.key())), k -> new ArrayList<>(1));
            if (!tuples.contains(entry.output())) {
                tuples.add(entry.output());
            }
        }
        for (Map.Entry<ByteBuffer, List<List<SqliteValue>>> result : results.entrySet()) {
            addLookup(result.getKey(), row, LookupKeys.results(result.getValue()));
        }
        for (ByteBuffer was : before.lookups()) {
            if (!results.containsKey(was)) {
                addLookup(was, row, "[]");
            }
        }
        RowMembership after = new RowMembership(List.copyOf(now), List.copyOf(results.keySet()));
        if (!after.equals(before)) { // most updates leave a row where it was: nothing to store then
            memberships.put(row, after);
            dirty.add(row);
        }
    }

    /**
     * A truncated (or dropped) table: every row of it leaves all its buckets and lookups.
     * {@code stored} holds the memberships storage has for the table's rows.
     */
    void applyTruncate(String table, Map<RowRef, RowMembership> stored) {
        stored.forEach(this::known);
        for (RowRef row : new ArrayList<>(memberships.keySet())) {
            if (row.table().equals(table) && !memberships.get(row).isEmpty()) {
                applyRow(row, null);
            }
        }
    }

    private void add(String bucket, OplogEntry.OpType op, String objectType, String objectId, String subkey, long checksum,
                     String data) {
        ops.add(new PendingOp(sequence++, bucket, op, objectType, objectId, subkey, checksum, data));
        bucketsTouched.add(bucket);
    }

    private void addLookup(ByteBuffer lookup, RowRef row, String result) {
        lookups.add(new PendingLookup(sequence++, lookup, row.table(), row.key(), result));
        lookupsTouched.add(lookup);
    }

    /** The identity of a source row that clients see in {@code subkey}: 128 bits of the SHA-256 of its table and key, in hex. */
    String subkey(RowRef row) {
        sha256.reset();
        sha256.update(row.table().getBytes(StandardCharsets.UTF_8));
        sha256.update((byte) 0);
        sha256.update(row.key().duplicate());
        byte[] digest = sha256.digest();
        char[] hex = new char[32];
        for (int i = 0; i < 16; i++) {
            hex[2 * i] = Character.forDigit((digest[i] >> 4) & 0xf, 16);
            hex[2 * i + 1] = Character.forDigit(digest[i] & 0xf, 16);
        }
        return new String(hex);
    }

    /** Operations and index entries so far: the op ids the batch will take. */
    int size() {
        return sequence;
    }

    /** Counts a row change record (a tombstone or a truncation is not one). */
    void countRowChange() {
        rows++;
    }

    /** Row change records applied so far. */
    int rows() {
        return rows;
    }

    /**
     * A batch handed to storage: its row count, operations, index entries, the rows' new
     * memberships (encoded, by table) and what it touched. Not changed once sealed: the lane that
     * commits it and the writer thread (which keeps its rows' memberships until it commits) read it.
     */
    record Sealed(int rows, int size, List<PendingOp> ops, List<PendingLookup> lookups,
                  Map<String, Map<ByteBuffer, org.syncsuite.gateway.storage.CurrentData.Membership>> memberships,
                  Set<String> bucketsTouched, Set<ByteBuffer> lookupsTouched) {
    }

    /**
     * Hands the batch over for committing and starts the next one. The memberships stay known
     * (the next batch sees the rows as this one leaves them, committed or not yet).
     */
    Sealed seal() {
        Map<String, Map<ByteBuffer, org.syncsuite.gateway.storage.CurrentData.Membership>> encoded = new LinkedHashMap<>();
        for (RowRef row : dirty) {
            encoded.computeIfAbsent(row.table(), t -> new LinkedHashMap<>()).put(row.key(), memberships.get(row).encode());
        }
        Sealed sealed = new Sealed(rows, sequence, ops, lookups, encoded, bucketsTouched, lookupsTouched);
        ops = new ArrayList<>();
        lookups = new ArrayList<>();
        bucketsTouched = new LinkedHashSet<>();
        lookupsTouched = new LinkedHashSet<>();
        dirty.clear();
        sequence = 0;
        rows = 0;
        return sealed;
    }

    /** Rows whose data (for a bucket) is longer than this many UTF-8 bytes are left out of it, with an error. */
    void maxDataBytes(int bytes) {
        this.maxDataBytes = bytes;
    }

    /**
     * Forgets the memberships of rows outside {@code keep} and the open batch: the caller keeps
     * every row whose membership storage does not hold yet (those of batches in flight).
     */
    void evictExcept(java.util.function.Predicate<RowRef> keep) {
        memberships.keySet().removeIf(row -> !keep.test(row) && !dirty.contains(row));
    }

    /** How many memberships are held. */
    int known() {
        return memberships.size();
    }

    /** Forgets everything, the memberships too, to start again from what storage holds. */
    void clear() {
        memberships.clear();
        dirty.clear();
        ops.clear();
        lookups.clear();
        bucketsTouched.clear();
        lookupsTouched.clear();
        sequence = 0;
        rows = 0;
    }
}
