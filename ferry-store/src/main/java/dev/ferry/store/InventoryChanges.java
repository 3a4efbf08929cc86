package dev.ferry.store;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.ferry.core.model.Instance;
import dev.ferry.core.model.OnHostMaintenance;
import dev.ferry.core.model.WireName;
import dev.ferry.formats.FleetWriter;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/** How the value of an {@code add} change holds its instance (a JSON object). Stateless. */
public final class InventoryChanges {
    private static final JsonFactory JSON = new JsonFactory();

    private InventoryChanges() {
    }

    /** The change that adds (or places again) an instance: its fleet/v1 JSON object. */
    public static InventoryStore.Change add(Instance i) {
        return new InventoryStore.Change("add", i.id(), FleetWriter.instanceJson(i));
    }

    /** The instance an {@code add} change holds. */
    public static Instance instance(String value) {
        Map<String, Object> o = new HashMap<>();
        try (JsonParser p = JSON.createParser(value)) {
            p.nextToken();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                o.put(name, t == JsonToken.VALUE_NULL ? null : t == JsonToken.VALUE_STRING ? p.getText()
                        : t == JsonToken.VALUE_NUMBER_INT ? (Object) p.getLongValue() : (Object) p.getDoubleValue());
            }
        } catch (IOException e) {
            throw new IllegalStateException("a stored inventory change is not an instance: " + value, e);
        }
        return new Instance((String) o.get("id"), (String) o.get("tenant"), (String) o.get("host"),
                ((Number) o.get("cpus")).intValue(), ((Number) o.get("memoryMiB")).longValue(),
                WireName.parse(OnHostMaintenance.class, (String) o.get("onHostMaintenance")), (String) o.get("group"),
                ((Number) o.get("dirtyRateMiBps")).doubleValue());
    }
}
