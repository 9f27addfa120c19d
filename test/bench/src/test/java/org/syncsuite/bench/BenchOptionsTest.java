package org.syncsuite.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class BenchOptionsTest {

    @Test
    void aCountMustBePositiveAndAWholeNumberMayBeZero() {
        BenchOptions options = BenchOptions.parse(new String[] {"--rows=1_000", "--warm-up-seconds=0", "--rate=-5"});
        assertThat(options.integer("rows", 7)).isEqualTo(1000);
        assertThat(options.integer("absent", 7)).isEqualTo(7);
        assertThat(options.wholeNumber("warm-up-seconds", 120)).isZero();
        assertThat(options.wholeNumber("absent", 120)).isEqualTo(120);
        assertThatThrownBy(() -> options.integer("warm-up-seconds", 120)).hasMessage("--warm-up-seconds must be positive");
        assertThatThrownBy(() -> options.wholeNumber("rate", 500)).hasMessage("--rate cannot be negative");
        assertThatThrownBy(() -> BenchOptions.parse(new String[] {"--rows=many"}).wholeNumber("rows", 1))
                .hasMessage("--rows takes a whole number, not many");
    }
}
