package dev.sessionfilter.sample.cdi;

import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.core.Application;

/** JAX-RS where the container has it (WildFly); ignored elsewhere. */
@ApplicationPath("/api")
public class SampleApi extends Application {
}
