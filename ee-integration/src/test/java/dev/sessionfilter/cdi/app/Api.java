package dev.sessionfilter.cdi.app;

import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.core.Application;

/** JAX-RS, in the WildFly WAR only. */
@ApplicationPath("/api")
public class Api extends Application {
}
