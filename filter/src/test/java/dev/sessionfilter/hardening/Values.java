package dev.sessionfilter.hardening;

import jakarta.json.bind.annotation.JsonbCreator;
import jakarta.json.bind.annotation.JsonbProperty;
import jakarta.json.bind.annotation.JsonbTransient;

import java.util.ArrayList;
import java.util.List;

/** Application value classes, each allowed by the test app, each a way a value can fail to round-trip. */
public final class Values {
    private Values() {
    }

    /** A plain data class: fine. */
    public static class Good {
        public String name;
        public List<String> tags = new ArrayList<>();
    }

    /** Immutable, restored through its @JsonbCreator: fine. */
    public static final class Created {
        private final String name;
        @JsonbTransient
        private String scratch = "not kept";

        @JsonbCreator
        public Created(@JsonbProperty("name") String name) {
            this.name = name;
        }

        public String getName() {
            return name;
        }

        public String getScratch() {
            return scratch;
        }
    }

    /** No constructor JSON-B can use: encodes, would never decode. */
    public static final class NoConstructor {
        private final String name;

        public NoConstructor(String name) {
            this.name = name;
        }

        public String getName() {
            return name;
        }
    }

    /** A private field without accessors: JSON-B drops it silently. */
    public static class HiddenState {
        public String visible = "v";
        private String secret;

        public HiddenState() {
        }

        public HiddenState(String secret) {
            this.secret = secret;
        }

        public String secret() {
            return secret;
        }
    }

    /** Refers to itself: JSON-B fails on the cycle. */
    public static class Node {
        public String name = "n";
        public Node next;
    }

    /** A getter that throws. */
    public static class Throwing {
        public String getValue() {
            throw new IllegalStateException("getter says no");
        }

        public void setValue(String v) {
        }
    }
}
