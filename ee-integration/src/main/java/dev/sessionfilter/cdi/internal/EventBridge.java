package dev.sessionfilter.cdi.internal;

import dev.sessionfilter.cdi.SessionEvent;
import dev.sessionfilter.session.SessionEvents;
import jakarta.servlet.http.HttpSession;

import java.lang.System.Logger.Level;

/**
 * Turns the session filter's lifecycle into CDI events (only the kinds some observer wants, so an
 * application observing nothing pays nothing), and ends the Redis-scoped beans of a session that ends.
 */
final class EventBridge implements SessionEvents {
    private static final System.Logger LOG = System.getLogger("dev.sessionfilter.cdi");
    private final SessionFilterExtension extension;

    EventBridge(SessionFilterExtension extension) {
        this.extension = extension;
    }

    @Override
    public void created(HttpSession session) {
        fire(SessionEvent.Created.class, () -> new SessionEvent.Created(session.getId()));
    }

    @Override
    public void destroyed(HttpSession session, boolean expired) {
        try {
            fire(SessionEvent.Destroyed.class, () -> new SessionEvent.Destroyed(session.getId(), expired));
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "an observer of SessionEvent.Destroyed failed", e);
        }
        extension.context().destroyAll(session); // whatever an observer did: @PreDestroy runs once
    }

    @Override
    public void idChanged(HttpSession session, String oldId) {
        fire(SessionEvent.IdChanged.class, () -> new SessionEvent.IdChanged(oldId, session.getId()));
    }

    @Override
    public void attributeChanged(HttpSession session, String name, Change change) {
        if (name.startsWith(RedisSessionContext.ATTRIBUTE_PREFIX)) {
            return; // our beans' state: an implementation detail, not the application's attribute
        }
        switch (change) {
            case ADDED -> fire(SessionEvent.AttributeAdded.class, () -> new SessionEvent.AttributeAdded(session.getId(), name));
            case REPLACED -> fire(SessionEvent.AttributeReplaced.class, () -> new SessionEvent.AttributeReplaced(session.getId(), name));
            case REMOVED -> fire(SessionEvent.AttributeRemoved.class, () -> new SessionEvent.AttributeRemoved(session.getId(), name));
        }
    }

    private <E extends SessionEvent> void fire(Class<E> kind, java.util.function.Supplier<E> event) {
        boolean sync = extension.observed(kind, false);
        boolean async = extension.observed(kind, true);
        if (!sync && !async) {
            return;
        }
        E e = event.get();
        jakarta.enterprise.event.Event<E> ev = extension.beanManager().getEvent().select(kind);
        if (async) {
            ev.fireAsync(e).exceptionally(t -> {
                LOG.log(Level.WARNING, "an @ObservesAsync observer of " + kind.getSimpleName() + " failed", t);
                return null;
            });
        }
        if (sync) {
            ev.fire(e); // an observer's exception is logged by the filter and does not stop the request
        }
    }
}
