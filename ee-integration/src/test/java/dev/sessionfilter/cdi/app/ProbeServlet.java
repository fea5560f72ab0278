package dev.sessionfilter.cdi.app;

import dev.sessionfilter.SessionRegistry;
import dev.sessionfilter.cdi.RateLimitExceededException;
import dev.sessionfilter.cdi.RateLimitResult;
import dev.sessionfilter.cdi.RateLimiter;
import dev.sessionfilter.cdi.RedisHealth;
import dev.sessionfilter.cdi.SessionStore;
import jakarta.inject.Inject;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/** What the tests ask each instance, answered as {@code key=value} lines. */
@WebServlet("/probe/*")
public class ProbeServlet extends HttpServlet {
    @Inject
    Cart cart;
    @Inject
    SessionStore store;
    @Inject
    SessionRegistry registry;
    @Inject
    RateLimiter limiter;
    @Inject
    RedisHealth health;
    @Inject
    Guarded guarded;
    @Inject
    Preferences preferences;

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        Map<String, Object> out = new LinkedHashMap<>();
        String op = req.getPathInfo() == null ? "/" : req.getPathInfo();
        switch (op) {
            case "/add" -> {
                cart.add(req.getParameter("item"));
                if (req.getParameter("ttl") != null) {
                    req.getSession().setMaxInactiveInterval(Integer.parseInt(req.getParameter("ttl")));
                }
                out.put("sameInstance", cart.self() == cart.self());
                if (req.getParameter("sleep") != null) {
                    sleep(Long.parseLong(req.getParameter("sleep")));
                }
                cart(out);
            }
            case "/show" -> {
                cart(out);
                out.put("theme", preferences.theme());
            }
            case "/theme" -> preferences.theme(req.getParameter("set"));
            case "/stats" -> {
                out.put("constructed", Cart.CONSTRUCTED.get());
                out.put("destroyed", String.join(" ", Cart.DESTROYED));
                out.put("events", String.join("|", EventLog.EVENTS));
            }
            case "/session" -> {
                HttpSession s = req.getSession(false);
                out.put("id", s == null ? "" : s.getId());
            }
            case "/attr" -> req.getSession().setAttribute(req.getParameter("name"), req.getParameter("value"));
            case "/attr-remove" -> req.getSession().removeAttribute(req.getParameter("name"));
            case "/change-id" -> out.put("id", req.changeSessionId());
            case "/invalidate" -> req.getSession().invalidate();
            case "/inject" -> {
                HttpSession s = req.getSession(false);
                out.put("found", s != null && store.find(s.getId()).isPresent());
                out.put("sameRegistry", registry.find(s == null ? "none" : s.getId()).isPresent());
                RateLimitResult r = limiter.tryAcquire("probe:" + req.getParameter("key"), "2 per minute");
                out.put("allowed", r.allowed());
                out.put("remaining", r.remaining());
                out.put("reset", r.resetSeconds());
                RedisHealth.Status h = health.check();
                out.put("healthUp", h.up());
                out.put("healthMode", h.mode());
            }
            case "/guarded" -> {
                try {
                    out.put("result", guarded.call());
                } catch (RateLimitExceededException e) {
                    resp.setStatus(429);
                    resp.setHeader("Retry-After", Long.toString(e.retryAfterSeconds()));
                    out.put("result", "refused");
                    out.put("retryAfter", e.retryAfterSeconds());
                }
            }
            default -> {
                resp.sendError(404);
                return;
            }
        }
        resp.setContentType("text/plain;charset=UTF-8");
        StringBuilder sb = new StringBuilder();
        out.forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
        resp.getWriter().write(sb.toString());
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void cart(Map<String, Object> out) {
        out.put("items", String.join("+", cart.items()));
        out.put("total", cart.total());
        out.put("createdBy", cart.createdBy());
        out.put("uses", cart.usesInThisRequest());
        out.put("constructed", Cart.CONSTRUCTED.get());
    }
}
