package org.syncsuite.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

class ErrorCodeTest {

    @Test
    void codesAreUniqueAndWellFormed() {
        List<String> codes = Arrays.stream(ErrorCode.values()).map(ErrorCode::code).toList();
        assertThat(codes).doesNotHaveDuplicates().allMatch(code -> code.matches("PSYNC_[RS]\\d{4}"));
    }

    @Test
    void powerSyncCodesKeepTheirMeaning() {
        // The codes PowerSync's clients and docs know must mean the same here.
        assertThat(ErrorCode.AUTH_TOKEN_EXPIRED.code()).isEqualTo("PSYNC_S2103");
        assertThat(ErrorCode.AUTH_HEADER_MISSING.code()).isEqualTo("PSYNC_S2106");
        assertThat(ErrorCode.REQUEST_INVALID.code()).isEqualTo("PSYNC_S2001");
        assertThat(ErrorCode.TOO_MANY_BUCKETS.code()).isEqualTo("PSYNC_S2305");
        assertThat(ErrorCode.SYNC_CONFIG_INVALID.code()).isEqualTo("PSYNC_R0001");
    }

    @Test
    void everyCodeHasAnHttpStatusAndSummary() {
        for (ErrorCode code : ErrorCode.values()) {
            assertThat(code.httpStatus()).as(code.name()).isBetween(400, 599);
            assertThat(code.summary()).as(code.name()).isNotBlank();
        }
    }

    @Test
    void exceptionCarriesCodeAndStatus() {
        SyncException e = new SyncException(ErrorCode.AUTH_TOKEN_EXPIRED, "expired at 12:00");
        assertThat(e.httpStatus()).isEqualTo(401);
        assertThat(e).hasToString("PSYNC_S2103: expired at 12:00");
        assertThat(ErrorCode.SOURCE_UNREACHABLE.isTransient()).isTrue();
        assertThat(ErrorCode.BINLOG_PURGED.isTransient()).isFalse();
    }
}
