package dev.sessionfilter.health;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;

import java.io.StringReader;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Checks a body against the MicroProfile Health 4 wire format, then hands it back for more assertions. */
final class HealthWire {
    private static final Set<String> STATUSES = Set.of("UP", "DOWN");

    private HealthWire() {
    }

    static JsonObject validate(String body, int httpStatus) {
        JsonObject o;
        try {
            o = Json.createReader(new StringReader(body)).readObject();
        } catch (RuntimeException e) {
            throw new AssertionError("not a JSON object: " + body, e);
        }
        assertEquals(Set.of("status", "checks"), o.keySet(), body);
        String status = o.getString("status");
        assertTrue(STATUSES.contains(status), body);
        boolean allUp = true;
        for (JsonValue v : o.getJsonArray("checks")) {
            if (v.getValueType() != JsonValue.ValueType.OBJECT) {
                fail("a check is not an object: " + body);
            }
            JsonObject c = v.asJsonObject();
            assertTrue(Set.of("name", "status", "data").containsAll(c.keySet()), "unexpected check member: " + body);
            assertTrue(c.get("name") instanceof JsonString, body);
            assertTrue(STATUSES.contains(c.getString("status")), body);
            allUp &= "UP".equals(c.getString("status"));
            if (c.containsKey("data")) {
                for (JsonValue d : c.getJsonObject("data").values()) {
                    assertTrue(Set.of(JsonValue.ValueType.STRING, JsonValue.ValueType.NUMBER, JsonValue.ValueType.TRUE,
                            JsonValue.ValueType.FALSE).contains(d.getValueType()), "data values are flat: " + body);
                }
            }
        }
        assertEquals(allUp ? "UP" : "DOWN", status, "status is the AND of the checks: " + body);
        assertEquals(allUp ? 200 : 503, httpStatus, body);
        return o;
    }

    /** The data of the named check. */
    static JsonObject data(JsonObject health, String check) {
        for (JsonValue v : health.getJsonArray("checks")) {
            if (check.equals(v.asJsonObject().getString("name"))) {
                return v.asJsonObject().getJsonObject("data");
            }
        }
        throw new AssertionError("no check " + check + " in " + health);
    }
}
