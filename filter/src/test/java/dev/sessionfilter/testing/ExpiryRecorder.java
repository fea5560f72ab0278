package dev.sessionfilter.testing;

import jakarta.servlet.http.HttpSessionEvent;
import jakarta.servlet.http.HttpSessionListener;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

/**
 * Records each sessionDestroyed with the instance that fired it (context-param {@code test.instance}) and
 * the {@code user} attribute as the listener read it. Can hold the thread of one instance inside the
 * listener, as if that instance died mid-notification.
 */
public final class ExpiryRecorder implements HttpSessionListener {
    public record Event(String id, String instance, Object user, long at, long lastAccessed) {
    }

    public static final List<Event> EVENTS = new CopyOnWriteArrayList<>();
    /** Instance whose listener calls are held until {@link #release} (null: none). */
    public static volatile String holdOn;
    public static volatile CountDownLatch held = new CountDownLatch(1);
    public static volatile CountDownLatch release = new CountDownLatch(1);

    public static void reset() {
        EVENTS.clear();
        holdOn = null;
        release.countDown();
        held = new CountDownLatch(1);
        release = new CountDownLatch(1);
    }

    @Override
    public void sessionDestroyed(HttpSessionEvent se) {
        String instance = se.getSession().getServletContext().getInitParameter("test.instance");
        Object user = se.getSession().getAttribute("user");
        if (instance != null && instance.equals(holdOn)) {
            held.countDown();
            boolean interrupted = false;
            while (true) { // a dead instance does not react to its container stopping
                try {
                    release.await();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            return; // never completed: not recorded
        }
        EVENTS.add(new Event(se.getSession().getId(), instance, user, System.currentTimeMillis(),
                se.getSession().getLastAccessedTime()));
    }
}
