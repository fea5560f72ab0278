package dev.sessionfilter.sample.cdi;

import dev.sessionfilter.cdi.RateLimited;
import jakarta.enterprise.context.RequestScoped;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;

/** At most 3 subscriptions per minute per client IP, across every instance; the 4th gets the filter's 429. */
@Path("newsletter")
@RequestScoped
public class NewsletterResource {

    @POST
    @Produces("text/plain")
    @RateLimited("3 per minute")
    public String subscribe(@FormParam("email") String email) {
        return "subscribed " + (email == null ? "" : email.length() > 100 ? email.substring(0, 100) : email) + "\n";
    }
}
