package dev.sessionfilter.testing;

import jakarta.servlet.http.HttpSessionAttributeListener;
import jakarta.servlet.http.HttpSessionBindingEvent;
import jakarta.servlet.http.HttpSessionEvent;
import jakarta.servlet.http.HttpSessionIdListener;
import jakarta.servlet.http.HttpSessionListener;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records every session event it is given (tests and the embedded container share one JVM). */
public final class RecordingListener implements HttpSessionListener, HttpSessionAttributeListener, HttpSessionIdListener {
    public static final List<String> EVENTS = new CopyOnWriteArrayList<>();

    @Override
    public void sessionCreated(HttpSessionEvent se) {
        EVENTS.add("created " + se.getSession().getId());
    }

    @Override
    public void sessionDestroyed(HttpSessionEvent se) {
        EVENTS.add("destroyed " + se.getSession().getId() + " user=" + se.getSession().getAttribute("user"));
    }

    @Override
    public void sessionIdChanged(HttpSessionEvent se, String oldSessionId) {
        EVENTS.add("id " + oldSessionId + " -> " + se.getSession().getId());
    }

    @Override
    public void attributeAdded(HttpSessionBindingEvent e) {
        EVENTS.add("added " + e.getName() + "=" + e.getValue());
    }

    @Override
    public void attributeRemoved(HttpSessionBindingEvent e) {
        EVENTS.add("removed " + e.getName() + "=" + e.getValue());
    }

    @Override
    public void attributeReplaced(HttpSessionBindingEvent e) {
        EVENTS.add("replaced " + e.getName() + " old=" + e.getValue());
    }
}
