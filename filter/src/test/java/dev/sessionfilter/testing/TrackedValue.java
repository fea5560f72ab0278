package dev.sessionfilter.testing;

import jakarta.servlet.http.HttpSessionActivationListener;
import jakarta.servlet.http.HttpSessionBindingEvent;
import jakarta.servlet.http.HttpSessionBindingListener;
import jakarta.servlet.http.HttpSessionEvent;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** An application value that wants binding and activation callbacks (allowed by the test app's settings). */
public class TrackedValue implements HttpSessionBindingListener, HttpSessionActivationListener {
    public static final List<String> EVENTS = new CopyOnWriteArrayList<>();
    private String label;

    public TrackedValue() {
    }

    public TrackedValue(String label) {
        this.label = label;
    }

    public String getLabel() {
        return label;
    }

    public void setLabel(String label) {
        this.label = label;
    }

    @Override
    public void valueBound(HttpSessionBindingEvent event) {
        EVENTS.add("bound " + label + " as " + event.getName());
    }

    @Override
    public void valueUnbound(HttpSessionBindingEvent event) {
        EVENTS.add("unbound " + label + " from " + event.getName());
    }

    @Override
    public void sessionDidActivate(HttpSessionEvent se) {
        EVENTS.add("activated " + label);
    }

    @Override
    public void sessionWillPassivate(HttpSessionEvent se) {
        EVENTS.add("passivating " + label);
    }

    @Override
    public String toString() {
        return "Tracked(" + label + ")";
    }
}
