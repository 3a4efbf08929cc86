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

    private static Guest.SerialLine line(long at, String text) {
        return new Guest.SerialLine(at, text);
    }
}
