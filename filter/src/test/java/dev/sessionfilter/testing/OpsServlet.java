package dev.sessionfilter.testing;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A legacy-style servlet driving the HttpSession API from query parameters, mapped at /ops/*:
 * the path names the operation, {@code n} the attribute, {@code v} the value.
 */
public final class OpsServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    private dev.sessionfilter.SessionRegistry registry() {
        return (dev.sessionfilter.SessionRegistry) getServletContext().getAttribute(dev.sessionfilter.SessionRegistry.ATTRIBUTE);
    }

    @Override
    @SuppressWarnings("unchecked")
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws ServletException, IOException {
        Object included = req.getAttribute("jakarta.servlet.include.path_info");
        String op = included != null ? (String) included : req.getPathInfo() == null ? "/" : req.getPathInfo();
        String n = req.getParameter("n");
        String v = req.getParameter("v");
        if (op.endsWith(".sse")) {
            op = "/get"; // e.g. /ops/events.sse?n=x: a server-sent-events style URL
        }
        if (op.startsWith("/legacy/")) {
            op = op.substring(7); // e.g. /ops/legacy/set: the same operations where sessionfilter.exclude leaves the container's session
        }
        if (op.startsWith("/poll/")) {
            op = op.substring(5); // e.g. /ops/poll/get: the same operations under a sessionfilter.noTouch pattern
        }
        if (op.endsWith("/status")) {
            // e.g. /ops/failed-login/status?code=401: answers that status (a countWhen target)
            resp.setStatus(Integer.parseInt(req.getParameter("code")));
            resp.getWriter().print("status " + req.getParameter("code"));
            return;
        }
        if (op.endsWith("/none")) {
            op = "/none"; // e.g. /ops/login/none: behind a rate-limit filter mapped on /ops/login/*
        }
        if (included == null) {
            resp.setContentType("text/plain;charset=UTF-8");
        }
        switch (op) {
            case "/none" -> resp.getWriter().print("untouched");
            case "/near-cache-idle" -> resp.getWriter().print(nearCacheIdle());
            case "/internals" -> resp.getWriter().print(internals());
            case "/new" -> {
                HttpSession s = req.getSession();
                resp.getWriter().print(s.getId() + " new=" + s.isNew());
            }
            case "/set" -> {
                req.getSession().setAttribute(n, v);
                resp.getWriter().print("ok");
            }
            case "/setint" -> {
                req.getSession().setAttribute(n, Integer.valueOf(v));
                resp.getWriter().print("ok");
            }
            case "/get" -> {
                HttpSession s = req.getSession(false);
                resp.getWriter().print(s == null ? "no-session" : String.valueOf(s.getAttribute(n)));
            }
            case "/names" -> {
                HttpSession s = req.getSession(false);
                List<String> names = s == null ? List.of() : new ArrayList<>(Collections.list(s.getAttributeNames()));
                Collections.sort(names);
                resp.getWriter().print(String.join(",", names));
            }
            case "/remove" -> {
                req.getSession().removeAttribute(n);
                resp.getWriter().print("ok");
            }
            case "/cart-add" -> {
                HttpSession s = req.getSession();
                List<String> cart = (List<String>) s.getAttribute("cart");
                if (cart == null) {
                    cart = new ArrayList<>();
                    s.setAttribute("cart", cart);
                }
                cart.add(v); // in place: no setAttribute for an existing cart
                resp.getWriter().print(cart);
            }
            case "/registry-of" -> resp.getWriter().print(String.join(",", registry().sessionsOf(req.getParameter("p"))
                    .stream().map(dev.sessionfilter.SessionRegistry.SessionInfo::id).sorted().toList()));
            case "/registry-end-all" -> resp.getWriter().print(registry().invalidateAll(req.getParameter("p")));
            case "/registry-end" -> resp.getWriter().print(registry().invalidate(req.getParameter("id")));
            case "/registry-find" -> resp.getWriter().print(registry().find(req.getParameter("id"))
                    .map(i -> "principal=" + i.principal() + " user=" + i.attribute("user") + " max="
                            + i.maxInactiveInterval() + " names=" + new java.util.TreeSet<>(i.attributeNames()))
                    .orElse("none"));
            case "/invalidate" -> {
                HttpSession s = req.getSession(false);
                if (s != null) {
                    s.invalidate();
                }
                resp.getWriter().print("invalidated");
            }
            case "/invalidate-then-use" -> {
                HttpSession s = req.getSession();
                s.invalidate();
                try {
                    s.getAttribute("x");
                    resp.getWriter().print("no-exception");
                } catch (IllegalStateException e) {
                    HttpSession fresh = req.getSession(true);
                    resp.getWriter().print("ISE fresh=" + (fresh != s) + " new=" + fresh.isNew());
                }
            }
            case "/login" -> {
                // The sample's login: name the principal, (optionally wait, to overlap with other logins), new id.
                HttpSession s = req.getSession();
                try {
                    s.setAttribute("user", v);
                    String hold = req.getParameter("hold");
                    if (hold != null) {
                        sleep(Long.parseLong(hold));
                    }
                    resp.getWriter().print("in " + req.changeSessionId());
                } catch (dev.sessionfilter.SessionLimitExceededException e) {
                    resp.setStatus(409);
                    resp.getWriter().print("refused " + e.limit() + " user=" + s.getAttribute("user"));
                }
            }
            case "/change" -> {
                req.getSession();
                String old = req.getSession().getId();
                try {
                    String nu = req.changeSessionId();
                    resp.getWriter().print(old + " " + nu);
                } catch (dev.sessionfilter.SessionLimitExceededException e) {
                    resp.setStatus(409);
                    resp.getWriter().print("refused " + e.limit() + " id kept " + old.equals(req.getSession().getId()));
                }
            }
            case "/info" -> {
                HttpSession s = req.getSession(false);
                PrintWriter w = resp.getWriter();
                w.print("requested=" + req.getRequestedSessionId() + " valid=" + req.isRequestedSessionIdValid()
                        + " fromCookie=" + req.isRequestedSessionIdFromCookie()
                        + " fromURL=" + req.isRequestedSessionIdFromURL());
                if (s != null) {
                    w.print(" id=" + s.getId() + " new=" + s.isNew() + " created=" + s.getCreationTime()
                            + " accessed=" + s.getLastAccessedTime() + " max=" + s.getMaxInactiveInterval());
                }
                w.print(" encoded=" + resp.encodeURL("/x"));
            }
            case "/setmax" -> {
                req.getSession().setMaxInactiveInterval(Integer.parseInt(v));
                resp.getWriter().print("ok");
            }
            case "/slow-set" -> {
                HttpSession s = req.getSession();
                s.getAttribute(n);
                sleep(Long.parseLong(req.getParameter("ms")));
                s.setAttribute(n, v);
                resp.getWriter().print("ok");
            }
            case "/forward" -> req.getRequestDispatcher("/ops/get").forward(req, resp);
            case "/include" -> {
                req.getSession().setAttribute("included-before", "yes");
                resp.getWriter().print("[");
                req.getRequestDispatcher("/ops/get").include(req, resp);
                resp.getWriter().print("]");
            }
            case "/fail" -> {
                req.getSession().setAttribute(n, v);
                throw new IllegalStateException("boom");
            }
            case "/error-page" -> {
                HttpSession s = req.getSession(false);
                resp.getWriter().print("error-page sees " + (s == null ? "no-session" : s.getAttribute(n)));
            }
            case "/async" -> {
                HttpSession s = req.getSession();
                AsyncContext ctx = req.startAsync();
                ctx.start(() -> {
                    try {
                        sleep(50);
                        HttpSession same = ((HttpServletRequest) ctx.getRequest()).getSession(false);
                        same.setAttribute(n, v);
                        ctx.getResponse().getWriter().print("async same=" + (same.getId().equals(s.getId())));
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    } finally {
                        ctx.complete();
                    }
                });
            }
            case "/big" -> {
                // Writes more than the response buffer before changing nothing else: the session must be
                // saved before the first bytes leave.
                req.getSession().setAttribute(n, v);
                PrintWriter w = resp.getWriter();
                for (int i = 0; i < 20_000; i++) {
                    w.print("0123456789");
                }
            }
            case "/bind" -> {
                req.getSession().setAttribute(n, new TrackedValue(v));
                resp.getWriter().print("ok");
            }
            case "/tracked" -> {
                Object t = req.getSession().getAttribute(n);
                resp.getWriter().print(t);
            }
            case "/set-size" -> {
                try {
                    req.getSession().setAttribute(n, "x".repeat(Integer.parseInt(v)));
                    resp.getWriter().print("ok");
                } catch (IllegalArgumentException e) {
                    resp.getWriter().print("refused: " + e.getMessage());
                }
            }
            case "/set-not-allowed" -> {
                try {
                    req.getSession().setAttribute(n, new StringBuilder("mutable"));
                    resp.getWriter().print("ok");
                } catch (IllegalArgumentException e) {
                    resp.getWriter().print("refused: " + e.getMessage());
                }
            }
            default -> resp.sendError(404);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Waits (up to 5 s) until the near cache applied every invalidation received and confirmed every own
     * commit announced: Redis commands counted after this belong to the next request only.
     */
    /** Sizes of the engine's local state, for soak runs: {@code copies=N copyBytes=B keys=K nearCache=C}. */
    private String internals() {
        var engine = (dev.sessionfilter.session.SessionEngine) getServletContext()
                .getAttribute(dev.sessionfilter.SessionFilter.ENGINE_ATTRIBUTE);
        long[] copies = engine.store() instanceof dev.sessionfilter.store.ResilientSessionBackend r ? r.localCopies()
                : new long[] {0, 0};
        int near = engine.store() instanceof dev.sessionfilter.store.ResilientSessionBackend r && r.nearCache() != null
                ? r.nearCache().size() : 0;
        return "copies=" + copies[0] + " copyBytes=" + copies[1] + " keys=" + engine.cachedKeys() + " nearCache=" + near;
    }

    private String nearCacheIdle() {
        var engine = (dev.sessionfilter.session.SessionEngine) getServletContext()
                .getAttribute(dev.sessionfilter.SessionFilter.ENGINE_ATTRIBUTE);
        if (!(engine.store() instanceof dev.sessionfilter.store.ResilientSessionBackend r) || r.nearCache() == null) {
            return "no-cache";
        }
        long end = System.nanoTime() + 5_000_000_000L;
        while (System.nanoTime() < end) {
            if (r.nearCache().idle()) {
                return "idle";
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return "busy";
    }
}
