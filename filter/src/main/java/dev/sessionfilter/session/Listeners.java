package dev.sessionfilter.session;

import jakarta.servlet.http.HttpSession;
import jakarta.servlet.http.HttpSessionAttributeListener;
import jakarta.servlet.http.HttpSessionBindingEvent;
import jakarta.servlet.http.HttpSessionEvent;
import jakarta.servlet.http.HttpSessionIdListener;
import jakarta.servlet.http.HttpSessionListener;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;

/**
 * The session listeners of {@code sessionfilter.listeners} (and any registered programmatically, e.g. by the
 * CDI integration). A listener that throws is logged and does not stop the others or the request.
 */
public final class Listeners {
    private static final System.Logger LOG = System.getLogger("dev.sessionfilter.session");
    private final List<HttpSessionListener> session = new ArrayList<>();
    private final List<HttpSessionAttributeListener> attribute = new ArrayList<>();
    private final List<HttpSessionIdListener> id = new ArrayList<>();

    /** Adds a listener implementing any of the three session listener interfaces. */
    public synchronized void add(Object listener) {
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

    void created(HttpSession s) {
        HttpSessionEvent e = new HttpSessionEvent(s);
        for (HttpSessionListener l : session) {
            run(() -> l.sessionCreated(e));
        }
    }

    void destroyed(HttpSession s) {
        HttpSessionEvent e = new HttpSessionEvent(s);
        for (int i = session.size() - 1; i >= 0; i--) {
            HttpSessionListener l = session.get(i);
            run(() -> l.sessionDestroyed(e));
        }
    }

    void idChanged(HttpSession s, String oldId) {
        HttpSessionEvent e = new HttpSessionEvent(s);
        for (HttpSessionIdListener l : id) {
            run(() -> l.sessionIdChanged(e, oldId));
        }
    }

    void added(HttpSession s, String name, Object value) {
        HttpSessionBindingEvent e = new HttpSessionBindingEvent(s, name, value);
        for (HttpSessionAttributeListener l : attribute) {
            run(() -> l.attributeAdded(e));
        }
    }

    void replaced(HttpSession s, String name, Object oldValue) {
        HttpSessionBindingEvent e = new HttpSessionBindingEvent(s, name, oldValue);
        for (HttpSessionAttributeListener l : attribute) {
            run(() -> l.attributeReplaced(e));
        }
    }

    void removed(HttpSession s, String name, Object value) {
        HttpSessionBindingEvent e = new HttpSessionBindingEvent(s, name, value);
        for (HttpSessionAttributeListener l : attribute) {
            run(() -> l.attributeRemoved(e));
        }
    }

    static void run(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "session listener failed", e);
        }
    }
}
