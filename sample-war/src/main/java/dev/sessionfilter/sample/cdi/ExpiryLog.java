package dev.sessionfilter.sample.cdi;

import dev.sessionfilter.cdi.SessionEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/** Logs each session that timed out: fired once across all instances, by the one that noticed. */
@ApplicationScoped
public class ExpiryLog {
    private static final System.Logger LOG = System.getLogger("dev.sessionfilter.sample");

    void ended(@Observes SessionEvent.Destroyed e) {
        if (e.expired()) {
            LOG.log(System.Logger.Level.INFO, "session " + e.sessionId().substring(0, 8) + "... expired");
        }
    }
}
