package dev.sessionfilter.cdi.app;

import dev.sessionfilter.cdi.RateLimited;
import jakarta.enterprise.context.RequestScoped;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;

@Path("login")
@RequestScoped
public class LoginResource {
    @POST
    @Produces("text/plain")
    @RateLimited(value = "3 per minute", key = "header:X-Client")
    public String login() {
        return "welcome";
    }
}
