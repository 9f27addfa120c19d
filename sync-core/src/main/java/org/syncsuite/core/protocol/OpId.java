package org.syncsuite.core.protocol;

import org.syncsuite.core.ErrorCode;
import org.syncsuite.core.SyncException;

/** Op ids are 64-bit integers inside and base-10 strings on the wire. */
public final class OpId {

    private OpId() {
    }

    public static String format(long opId) {
        return Long.toString(opId);
    }

    /**
     * Parses a wire op id; {@code field} names it in the error of a malformed one. ASCII digits
     * only: {@link Long#parseLong} would also take other scripts' digits ("١٢٣" as 123).
     */
    public static long parse(String text, String field) {
        if (text == null || text.isEmpty() || text.length() > 19 || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new SyncException(ErrorCode.REQUEST_INVALID,
                    field + " must be a non-negative base-10 integer string, not " + describe(text));
        }
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new SyncException(ErrorCode.REQUEST_INVALID, field + " is out of range: " + text, e);
        }
    }

    private static String describe(String text) {
        if (text == null) {
            return "null";
        }
        return text.length() > 40 ? "'" + text.substring(0, 40) + "...'" : "'" + text + "'";
    }
}
