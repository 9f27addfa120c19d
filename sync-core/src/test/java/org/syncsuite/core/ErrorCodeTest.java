package org.syncsuite.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

class ErrorCodeTest {

    @Test
    void codesAreShortUniqueAndWellFormed() {
        List<String> codes = Arrays.stream(ErrorCode.values()).map(ErrorCode::code).toList();
        assertThat(codes).doesNotHaveDuplicates().allMatch(code -> code.matches("PSYNC_[A-Z]\\d{4}"));
        assertThat(ErrorCode.PSYNC_S0001_CONFIG_INVALID.code()).isEqualTo("PSYNC_S0001");
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
        SyncException e = new SyncException(ErrorCode.PSYNC_A0002_TOKEN_INVALID, "expired at 12:00");
        assertThat(e.httpStatus()).isEqualTo(401);
        assertThat(e).hasToString("PSYNC_A0002: expired at 12:00");
        assertThat(ErrorCode.PSYNC_R0001_SOURCE_UNREACHABLE.isTransient()).isTrue();
        assertThat(ErrorCode.PSYNC_R0003_BINLOG_PURGED.isTransient()).isFalse();
    }
}
