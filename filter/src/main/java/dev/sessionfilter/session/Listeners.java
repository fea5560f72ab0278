package dev.sessionfilter.session;

import jakarta.servlet.http.HttpSession;
import jakarta.servlet.http.HttpSessionAttributeListener;
import jakarta.servlet.http.HttpSessionBindingEvent;
import jakarta.servlet.http.HttpSessionEvent;
import jakarta.servlet.http.HttpSessionIdListener;
import jakarta.servlet.http.HttpSessionListener;

import java.lang.System.Logger.Level;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The session listeners of {@code sessionfilter.listeners} (and any registered programmatically, e.g. by the
 * CDI integration). A listener that throws is logged and does not stop the others or the request.
 */
public final class Listeners {
    private static final System.Logger LOG = System.getLogger("dev.sessionfilter.session");
    // Copy-on-write: the CDI integration registers while requests may already run.
    private final List<HttpSessionListener> session = new CopyOnWriteArrayList<>();
    private final List<HttpSessionAttributeListener> attribute = new CopyOnWriteArrayList<>();
    private final List<HttpSessionIdListener> id = new CopyOnWriteArrayList<>();
    private final List<SessionEvents> events = new CopyOnWriteArrayList<>();

    /** Adds a listener implementing any of the three session listener interfaces, or {@link SessionEvents}. */
    public synchronized void add(Object listener) {
        if (listener instanceof SessionEvents l) {
            events.add(l);
        }
        if (listener instanceof HttpSessionListener l) {
            session.add(l);
        }
        if (listener instanceof HttpSessionAttributeListener l) {
            attribute.add(l);
        }
        if (listener instanceof HttpSessionIdListener l) {
            id.add(l);
        }
    }

    boolean hasAttributeListeners() {
        return !attribute.isEmpty();
    }

    public synchronized void remove(Object listener) {
        session.remove(listener);
        attribute.remove(listener);
        id.remove(listener);
        events.remove(listener);
    }

    void created(HttpSession s) {
        HttpSessionEvent e = new HttpSessionEvent(s);
        for (HttpSessionListener l : session) {
            run(() -> l.sessionCreated(e));
        }
        for (SessionEvents l : events) {
            run(() -> l.created(s));
        }
    }

    /** Servlet listeners in reverse order of declaration (as the container does), then the CDI integration. */
    void destroyed(HttpSession s, boolean expired) {
        HttpSessionEvent e = new HttpSessionEvent(s);
        for (int i = session.size() - 1; i >= 0; i--) {
            HttpSessionListener l = session.get(i);
            run(() -> l.sessionDestroyed(e));
        }
        for (SessionEvents l : events) {
            run(() -> l.destroyed(s, expired));
        }
    }

    void idChanged(HttpSession s, String oldId) {
        HttpSessionEvent e = new HttpSessionEvent(s);
        for (HttpSessionIdListener l : id) {
            run(() -> l.sessionIdChanged(e, oldId));
        }
        for (SessionEvents l : events) {
            run(() -> l.idChanged(s, oldId));
        }
    }

    private void changed(HttpSession s, String name, SessionEvents.Change change) {
        for (SessionEvents l : events) {
            run(() -> l.attributeChanged(s, name, change));
        }
    }

    void added(HttpSession s, String name, Object value) {
        HttpSessionBindingEvent e = new HttpSessionBindingEvent(s, name, value);
        for (HttpSessionAttributeListener l : attribute) {
            run(() -> l.attributeAdded(e));
        }
        changed(s, name, SessionEvents.Change.ADDED);
    }

    void replaced(HttpSession s, String name, Object oldValue) {
        HttpSessionBindingEvent e = new HttpSessionBindingEvent(s, name, oldValue);
        for (HttpSessionAttributeListener l : attribute) {
            run(() -> l.attributeReplaced(e));
        }
        changed(s, name, SessionEvents.Change.REPLACED);
    }

    void removed(HttpSession s, String name, Object value) {
        HttpSessionBindingEvent e = new HttpSessionBindingEvent(s, name, value);
        for (HttpSessionAttributeListener l : attribute) {
            run(() -> l.attributeRemoved(e));
        }
        changed(s, name, SessionEvents.Change.REMOVED);
    }

    static void run(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "session listener failed", e);
        }
    }
}
