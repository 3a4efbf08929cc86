package dev.ferry.agent.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A guest stopped or migrated in the middle of a line leaves no piece that reads as a beat of its own. */
class SerialLinesTest {
    @Test
    void aLineCutOffByTheGuestsStopIsMarkedAsAPiece() throws Exception {
        StringWriter w = new StringWriter();
        Console.copyLines(new ByteArrayInputStream("boot\n1124\n1125\n11".getBytes(StandardCharsets.US_ASCII)), w);
        assertThat(Arrays.stream(w.toString().split("\n")).map(l -> l.substring(l.indexOf(' ') + 1)))
                .containsExactly("boot", "1124", "1125", "~11");
    }

    @Test
    void aPieceIsJoinedWithTheRestWhereTheGuestWentOnAndDroppedBeforeANewBoot() {
        GuestSerial migrated = GuestSerial.of(List.of(line(1, "1124"), line(2, "1125"), line(3, "~11"), line(4, "26"), line(5, "1127")));
        assertThat(migrated.lines()).extracting(Guest.SerialLine::text).containsExactly("1124", "1125", "1126", "1127");
        assertThat(migrated.breaks()).isZero();
        GuestSerial relocated = GuestSerial.of(List.of(line(1, "boot"), line(2, "1"), line(3, "~2"), line(4, "boot"), line(5, "1")));
        assertThat(relocated.lines()).extracting(Guest.SerialLine::text).containsExactly("boot", "1", "boot", "1");
        assertThat(relocated.boots()).isEqualTo(2);
        assertThat(relocated.breaks()).isZero();
        GuestSerial reset = GuestSerial.of(List.of(line(1, "boot"), line(2, "1"), line(3, "2boot"), line(4, "1")));
        assertThat(reset.boots()).as("a reset in the middle of a line: the line ends in boot").isEqualTo(2);
        assertThat(reset.breaks()).isZero();
    }

    @Test
    void twoHostsLogsAreMergedByTheCounterWhereTheirStampsDisagreeAndTwoCopiesStillShow() {
        // the source's reader was late: its last two beats are stamped after the destination's first
        List<Guest.SerialLine> source = List.of(line(10, "500"), line(11, "501"), line(40, "502"), line(41, "503"));
        List<Guest.SerialLine> destination = List.of(line(30, "504"), line(31, "505"));
        GuestSerial migrated = GuestSerial.of(GuestSerial.merge(List.of(source, destination)));
        assertThat(migrated.lines()).extracting(Guest.SerialLine::text).containsExactly("500", "501", "502", "503", "504", "505");
        assertThat(migrated.breaks()).isZero();
        // two copies going on from the same value cannot both continue: the second one's beats break the count
        List<Guest.SerialLine> copy = List.of(line(20, "502"), line(21, "503"));
        assertThat(GuestSerial.of(GuestSerial.merge(List.of(source, copy))).breaks()).isPositive();
        // a relocated copy boots again: counted as the boot it is, wherever its stamps fall
        List<Guest.SerialLine> relocated = List.of(line(30, "boot"), line(31, "1"));
        assertThat(GuestSerial.of(GuestSerial.merge(List.of(source, relocated))).boots()).isEqualTo(1);
    }

    private static Guest.SerialLine line(long at, String text) {
        return new Guest.SerialLine(at, text);
    }
}
