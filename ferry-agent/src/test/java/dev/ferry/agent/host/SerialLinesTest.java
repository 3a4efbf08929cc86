package dev.ferry.agent.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The console copy keeps whole lines only: a guest stopped mid-line leaves no piece that reads as a beat. */
class SerialLinesTest {
    @Test
    void aLineCutOffByTheGuestsStopIsDropped() throws Exception {
        StringWriter w = new StringWriter();
        QemuVm.copyLines(new ByteArrayInputStream("boot\n1124\n1125\n11".getBytes(StandardCharsets.US_ASCII)), w);
        assertThat(Arrays.stream(w.toString().split("\n")).map(l -> l.substring(l.indexOf(' ') + 1)))
                .containsExactly("boot", "1124", "1125");
        assertThat(w.toString()).matches("(\\d+ [^\\n]*\\n){3}");
    }
}
