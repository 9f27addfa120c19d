package org.syncsuite.core.mysql;

/**
 * Fractional-second digits of synced DATETIME and TIMESTAMP text (the sync config's
 * {@code timestamp_max_precision}); milliseconds unless configured.
 */
public enum TimestampPrecision {
    SECONDS(0), MILLISECONDS(3), MICROSECONDS(6), NANOSECONDS(9);

    private final int digits;

    TimestampPrecision(int digits) {
        this.digits = digits;
    }

    public int digits() {
        return digits;
    }
}
