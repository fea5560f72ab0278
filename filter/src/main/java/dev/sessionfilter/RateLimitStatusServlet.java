package dev.sessionfilter;

import dev.sessionfilter.internal.Json;
import dev.sessionfilter.ratelimit.Decision;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;

/**
 * {@code GET}: the caller's own current quotas under every {@link RateLimitFilter} of the application,
 * without consuming any: {@code {"policies":[{"filter":"login-limit","policy":"5/1m","limit":5,
 * "remaining":3,"resetSeconds":42}]}}.
 */
public final class RateLimitStatusServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        StringBuilder sb = new StringBuilder("{\"policies\":[");
        boolean first = true;
        java.util.List<RateLimitFilter> filters = new java.util.ArrayList<>(RateLimitFilter.registry(getServletContext()));
        filters.sort(java.util.Comparator.comparing(RateLimitFilter::name)); // stable: containers init filters in any order
        for (RateLimitFilter f : filters) {
            Decision d = f.peek(req);
            if (d == null) {
                continue;
            }
            for (Decision.Quota q : d.quotas()) {
                sb.append(first ? "" : ",").append("{\"filter\":").append(Json.quote(f.name())).append(",\"policy\":")
                        .append(Json.quote(q.limit().name())).append(",\"limit\":").append(q.limit().count())
                        .append(",\"remaining\":").append(q.remaining()).append(",\"resetSeconds\":")
                        .append(q.resetSeconds()).append('}');
                first = false;
            }
        }
        sb.append("]}");
        resp.setContentType("application/json");
        resp.setCharacterEncoding("UTF-8");
        resp.setHeader("Cache-Control", "no-store");
        resp.getWriter().write(sb.toString());
    }
}
