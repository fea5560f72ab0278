package dev.sessionfilter.cdi.app;

import dev.sessionfilter.cdi.SessionEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.ObservesAsync;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records every session event this instance fires, sync and async. */
@ApplicationScoped
public class EventLog {
    static final List<String> EVENTS = new CopyOnWriteArrayList<>();

    void any(@Observes SessionEvent e) {
        EVENTS.add(describe(e));
    }

    void destroyedAsync(@ObservesAsync SessionEvent.Destroyed e) {
        EVENTS.add("async " + describe(e));
    }

    static String describe(SessionEvent e) {
        if (e instanceof SessionEvent.Destroyed d) {
            return (d.expired() ? "expired " : "invalidated ") + d.sessionId();
        }
        if (e instanceof SessionEvent.IdChanged i) {
            return "idChanged " + i.oldSessionId() + " " + i.sessionId();
        }
        if (e instanceof SessionEvent.AttributeAdded a) {
            return "added " + a.sessionId() + " " + a.name();
        }
        if (e instanceof SessionEvent.AttributeReplaced a) {
            return "replaced " + a.sessionId() + " " + a.name();
        }
        if (e instanceof SessionEvent.AttributeRemoved a) {
            return "removed " + a.sessionId() + " " + a.name();
        }
        return "created " + e.sessionId();
    }
}
