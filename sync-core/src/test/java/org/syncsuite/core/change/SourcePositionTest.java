package org.syncsuite.core.change;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SourcePositionTest {

    @Test
    void withinOneBinlogFileAndOffsetDecide() {
        SourcePosition at = SourcePosition.at("0-1-20", "mysql-bin.000002", 500);
        assertThat(at.reaches(SourcePosition.at("0-1-20", "mysql-bin.000002", 500))).isTrue();
        assertThat(at.reaches(SourcePosition.at("0-1-19", "mysql-bin.000002", 400))).isTrue();
        assertThat(at.reaches(SourcePosition.at("0-1-18", "mysql-bin.000001", 9000))).isTrue();
        assertThat(at.reaches(SourcePosition.at("0-1-21", "mysql-bin.000002", 501))).isFalse();
        assertThat(at.reaches(SourcePosition.at("0-1-21", "mysql-bin.000003", 4))).isFalse();
        // more digits than the usual six still sort by number
        assertThat(SourcePosition.at("", "b.1000000", 4).reaches(SourcePosition.at("", "b.999999", 9))).isTrue();
    }

    @Test
    void acrossBinlogsMariaDbGtidsDecidePerDomain() {
        SourcePosition at = SourcePosition.at("0-1-20,1-7-5", "host-a-bin.000009", 4);
        assertThat(at.reaches(SourcePosition.at("0-2-20,1-7-5", "host-b-bin.000001", 900))).isTrue();
        assertThat(at.reaches(SourcePosition.at("0-2-21", "host-b-bin.000001", 900))).isFalse();
        assertThat(at.reaches(SourcePosition.at("1-7-6", "host-b-bin.000001", 900))).isFalse();
        assertThat(at.reaches(SourcePosition.at("5-3-100", "host-b-bin.000001", 900))).isTrue();
    }

    @Test
    void acrossBinlogsMySqlGtidsDecidePerServer() {
        String uuid = "3E11FA47-71CA-11E1-9E33-C80AA9429562";
        SourcePosition at = SourcePosition.at(uuid + ":23", "a.000001", 4);
        assertThat(at.reaches(SourcePosition.at(uuid.toLowerCase() + ":1-23", "b.000001", 4))).isTrue();
        assertThat(at.reaches(SourcePosition.at(uuid + ":1-20:22-24", "b.000001", 4))).isFalse();
        assertThat(at.reaches(SourcePosition.at("aaaaaaaa-71ca-11e1-9e33-c80aa9429562:1-99", "b.000001", 4))).isTrue();
    }

    @Test
    void parsesItsJsonForm() {
        assertThat(SourcePosition.parseJson("{\"gtids\":\"0-1-15\",\"file\":\"binlog.000001\",\"pos\":1234,\"skip_events\":1,"
                + "\"skip_rows\":2}")).isEqualTo(new SourcePosition("0-1-15", "binlog.000001", 1234, 1, 2));
        SourcePosition position = new SourcePosition("0-1-15,1-2-3", "b.000002", 77, 0, 0);
        assertThat(SourcePosition.parseJson(position.toJson())).isEqualTo(position);
    }
}
