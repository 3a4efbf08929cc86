package dev.ferry.formats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.core.admission.Refusal;
import dev.ferry.core.history.Actor;
import dev.ferry.core.history.Fact;
import dev.ferry.core.history.HistoryRecord;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** history/v2: every fact type survives its line, and docs/formats.md names every type and field. */
class HistoryJsonTest {
    /** A fact of each type, every field set (enums: each constant in turn). */
    private static List<Fact> oneOfEach(int variant) throws ReflectiveOperationException {
        List<Fact> out = new ArrayList<>();
        for (Class<?> type : Fact.class.getPermittedSubclasses()) {
            out.add((Fact) sample(type, variant));
        }
        return out;
    }

    private static Object sample(Class<?> type, int variant) throws ReflectiveOperationException {
        RecordComponent[] cs = type.getRecordComponents();
        Object[] args = new Object[cs.length];
        Class<?>[] types = new Class<?>[cs.length];
        for (int k = 0; k < cs.length; k++) {
            types[k] = cs[k].getType();
            args[k] = value(cs[k], variant + k);
        }
        Constructor<?> c = type.getDeclaredConstructor(types);
        return c.newInstance(args);
    }

    private static Object value(RecordComponent c, int n) throws ReflectiveOperationException {
        Class<?> t = c.getType();
        if (t == String.class) {
            return "x-" + n + " \"quoted\" ✓";
        }
        if (t == long.class || t == Long.class) {
            return (long) n * 1_000_000_007L;
        }
        if (t == int.class) {
            return n;
        }
        if (t == boolean.class) {
            return n % 2 == 0;
        }
        if (t.isEnum()) {
            Object[] values = t.getEnumConstants();
            return values[n % values.length];
        }
        if (t == List.class) {
            Class<?> element = (Class<?>) ((ParameterizedType) c.getGenericType()).getActualTypeArguments()[0];
            return element == String.class ? List.of("a", "b") : List.of(sample(element, n), sample(element, n + 1));
        }
        if (t == Refusal.class) {
            return Refusal.of(Refusal.Kind.values()[n % Refusal.Kind.values().length], "why " + n);
        }
        throw new AssertionError("a fact field of type " + t);
    }

    @Test
    void everyFactTypeSurvivesItsLine() throws ReflectiveOperationException {
        for (int variant = 0; variant < 12; variant++) {
            for (Fact f : oneOfEach(variant)) {
                HistoryRecord r = new HistoryRecord(variant * 1000L, Actor.values()[variant % Actor.values().length], f);
                assertThat(HistoryJson.parse(HistoryJson.line(r))).as(HistoryJson.line(r)).isEqualTo(r);
            }
        }
    }

    @Test
    void nullFieldsAreLeftOutAndReadBackAsNull() {
        HistoryRecord r = new HistoryRecord(5, Actor.FERRY, new Fact.HostFailed("h1", Fact.HostFailure.DID_NOT_COME_BACK, null));
        assertThat(HistoryJson.line(r)).isEqualTo("{\"t\":5,\"actor\":\"ferry\",\"fact\":\"host-failed\",\"host\":\"h1\","
                + "\"why\":\"did-not-come-back\"}");
        assertThat(HistoryJson.parse(HistoryJson.line(r))).isEqualTo(r);
    }

    @Test
    void aBrokenLineIsNamed() {
        assertThatThrownBy(() -> HistoryJson.parse("{\"t\":1,\"actor\":\"ferry\",\"fact\":\"teleported\"}"))
                .hasMessageContaining("unknown fact type teleported");
        assertThatThrownBy(() -> HistoryJson.parse("{\"t\":1,\"actor\":\"ferry\",\"fact\":\"parked\",\"host\":\"h\",\"untilMs\":\"soon\"}"))
                .hasMessageContaining("parked.untilMs must be a number");
        assertThatThrownBy(() -> HistoryJson.parse("{\"t\":1,\"actor\":\"robot\",\"fact\":\"cordoned\",\"host\":\"h\"}"))
                .hasMessageContaining("actor");
        assertThatThrownBy(() -> HistoryJson.parse("not json")).hasMessageContaining("not JSON");
    }

    @Test
    void theFormatDocumentNamesEveryFactTypeAndField() throws IOException {
        String doc = Files.readString(Path.of(System.getProperty("ferry.docs", "../docs"), "formats.md"));
        String section = doc.substring(doc.indexOf("## history/v2"));
        for (Map.Entry<String, List<String>> e : HistoryJson.fieldsByType().entrySet()) {
            String row = section.lines().filter(l -> l.startsWith("| `" + e.getKey() + "`") || l.contains("/ `" + e.getKey() + "`"))
                    .findFirst().orElse(null);
            assertThat(row).as("docs/formats.md has a row for %s", e.getKey()).isNotNull();
            for (String field : e.getValue()) {
                assertThat(row).as("%s's row names its field %s", e.getKey(), field).contains("`" + field + "`");
            }
        }
    }
}
