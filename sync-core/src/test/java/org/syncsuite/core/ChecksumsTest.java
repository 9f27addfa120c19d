package org.syncsuite.core;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The reference's worked examples (§2.6), reproduced exactly. */
class ChecksumsTest {

    @Test
    void exampleA_putChecksumsAndBucketSum() {
        long op1 = Checksums.put("test", "t1", "{\"id\":\"t1\",\"description\":\"Test 1\"}");
        long op2 = Checksums.put("test", "t2", "{\"id\":\"t2\",\"description\":\"Test 2\"}");
        assertThat(op1).isEqualTo(920318466L);
        assertThat(op2).isEqualTo(3280762209L);

        long bucket = Checksums.add(op1, op2);
        assertThat(bucket).isEqualTo(4201080675L);
        assertThat(Checksums.toSigned(bucket)).isEqualTo(-93886621);
    }

    @Test
    void exampleA_compactionKeepsTheBucketChecksum() {
        long op3 = Checksums.put("test", "t1", "{\"id\":\"t1\",\"description\":\"Test 1b\"}");
        long op4 = Checksums.put("test", "t2", "{\"id\":\"t2\",\"description\":\"Test 2b\"}");
        assertThat(op3).isEqualTo(1859363232L);
        assertThat(op4).isEqualTo(3028503153L);
        // CLEAR@2 carries the sum of ops 1 and 2, as the signed value the reference stores.
        long clear = -93886621L;
        assertThat(Checksums.toSigned(Checksums.add(Checksums.add(clear, op3), op4))).isEqualTo(499012468);
    }

    @Test
    void exampleB_putsRemoveAndCompaction() {
        long op1 = Checksums.put("todos", "t1", "{\"id\":\"t1\",\"title\":\"Buy milk\",\"done\":0}");
        long op2 = Checksums.put("todos", "t2", "{\"id\":\"t2\",\"title\":\"Call Bob\",\"done\":0}");
        long op3 = Checksums.put("todos", "t1", "{\"id\":\"t1\",\"title\":\"Buy milk\",\"done\":1}");
        long op4 = Checksums.remove("2f0c5a8e-9d3b-5c1e-8a47-0b6e2d9f4c11");
        assertThat(op1).isEqualTo(608351665L).isEqualTo(0x2442B5B1L);
        assertThat(op2).isEqualTo(2101589264L);
        assertThat(op3).isEqualTo(538466362L);
        assertThat(op4).isEqualTo(2300717169L);

        long bucket = Checksums.add(Checksums.add(op1, op2), Checksums.add(op3, op4));
        assertThat(bucket).isEqualTo(1254157164L);

        long clear = Checksums.add(op1, op2);
        assertThat(clear).isEqualTo(2709940929L);
        assertThat(Checksums.toSigned(clear)).isEqualTo(-1585026367);
        assertThat(Checksums.add(Checksums.add(Checksums.toSigned(clear), op3), op4)).isEqualTo(bucket);
    }

    @Test
    void signedAndUnsignedFormsAreTheSameValue() {
        assertThat(Checksums.toUnsigned(-93886621)).isEqualTo(4201080675L);
        assertThat(Checksums.add(-1, 1)).isZero();
        assertThat(Checksums.add(0xFFFF_FFFFL, 2)).isEqualTo(1);
    }
}
