package dev.sessionfilter.hardening;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import jakarta.servlet.http.HttpSessionBindingEvent;
import jakarta.servlet.http.HttpSessionBindingListener;
import jakarta.servlet.http.HttpSessionEvent;
import jakarta.servlet.http.HttpSessionListener;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Operations for {@link HardeningIT}, at /h/*; each answers a short text the test compares. */
public final class HardeningServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        resp.setContentType("text/plain;charset=UTF-8");
        String op = req.getPathInfo();
        String n = req.getParameter("n");
        switch (op) {
            case "/set" -> {
                Object value = switch (req.getParameter("kind")) {
                    case "good" -> {
                        Values.Good g = new Values.Good();
                        g.name = "g";
                        g.tags.add("t");
                        yield g;
                    }
                    case "created" -> new Values.Created("c");
                    case "noctor" -> new Values.NoConstructor("x");
                    case "hidden" -> new Values.HiddenState("s3cret");
                    case "hidden-default" -> new Values.HiddenState();
                    case "cycle" -> {
                        Values.Node a = new Values.Node();
                        a.next = a;
                        yield a;
                    }
                    case "throwing" -> new Values.Throwing();
                    default -> throw new IllegalArgumentException("kind");
                };
                try {
                    req.getSession().setAttribute(n, value);
                    resp.getWriter().print("ok");
                } catch (IllegalArgumentException e) {
                    resp.getWriter().print("refused: " + e.getMessage());
                }
            }
            case "/describe" -> {
                HttpSession s = req.getSession(false);
                Object v = s == null ? null : s.getAttribute(n);
                String d = v == null ? "null"
                        : v instanceof Values.Good g ? "Good " + g.name + " " + g.tags
                        : v instanceof Values.Created c ? "Created " + c.getName() + " " + c.getScratch()
                        : v instanceof Values.HiddenState h ? "Hidden " + h.visible + " " + h.secret()
                        : v.getClass().getName();
                resp.getWriter().print(d);
            }
            case "/get-then-names" -> {
                HttpSession s = req.getSession(false);
                Object v = s.getAttribute(n);
                List<String> names = new ArrayList<>(Collections.list(s.getAttributeNames()));
                Collections.sort(names);
                resp.getWriter().print((v == null ? "null" : "value") + " names=" + String.join(",", names));
            }
            case "/names" -> {
                HttpSession s = req.getSession(false);
                List<String> names = s == null ? List.of() : new ArrayList<>(Collections.list(s.getAttributeNames()));
                Collections.sort(names);
                resp.getWriter().print(String.join(",", names));
            }
            case "/slow-change" -> {
                HttpSession s = req.getSession(false);
                s.getAttribute("user");
                sleep(Long.parseLong(req.getParameter("ms")));
                try {
                    String nu = req.changeSessionId();
                    s.setAttribute("user", "escalated");
                    resp.getWriter().print("changed " + nu);
                } catch (IllegalStateException e) {
                    resp.getWriter().print("ISE " + e.getMessage());
                }
            }
            case "/change-after-commit" -> {
                HttpSession s = req.getSession(false);
                resp.getWriter().print("early ");
                resp.flushBuffer();
                try {
                    req.changeSessionId();
                    resp.getWriter().print("changed");
                } catch (IllegalStateException e) {
                    resp.getWriter().print("ISE id-kept=" + s.getId().equals(req.getRequestedSessionId()));
                }
            }
            case "/invalidate-concurrently" -> {
                // Two threads invalidate one session at once; the listener is slow, so they overlap.
                HttpSession s = req.getSession();
                s.setAttribute("user", "slow");
                ReentrantListener.EVENTS.clear();
                Thread other = new Thread(() -> {
                    try {
                        s.invalidate();
                    } catch (IllegalStateException e) {
                        ReentrantListener.EVENTS.add("ISE");
                    }
                });
                other.start();
                try {
                    s.invalidate();
                } catch (IllegalStateException e) {
                    ReentrantListener.EVENTS.add("ISE");
                }
                try {
                    other.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                List<String> events = new ArrayList<>(ReentrantListener.EVENTS);
                resp.getWriter().print(events.stream().filter(e -> e.startsWith("destroyed")).count() + " destroyed");
            }
            case "/invalidate-reentrant" -> {
                HttpSession s = req.getSession();
                s.setAttribute("user", "ann");
                ReentrantListener.EVENTS.clear();
                s.invalidate();
                resp.getWriter().print(String.join(",", ReentrantListener.EVENTS));
            }
            case "/bind-visible" -> {
                HttpSession s = req.getSession();
                s.setAttribute(n, new Peeking(n));
                resp.getWriter().print(Peeking.SEEN);
                Peeking.SEEN.clear();
            }
            case "/cjk-then-wait" -> {
                // Four buffers' worth of three-byte characters: more than a buffer of characters (Tomcat
                // buffers characters) and of bytes (Undertow buffers bytes), so every container sends some
                // before the servlet returns; an average-based count (1.1 bytes a character) fell behind.
                req.getSession().setAttribute(n, req.getParameter("v"));
                PrintWriter w = resp.getWriter();
                String chunk = "\u4f1a\u8bdd\u5b58\u50a8".repeat(16);
                for (int written = 0; written < resp.getBufferSize() * 4; written += chunk.length() * 3) {
                    w.print(chunk);
                }
                sleep(Long.parseLong(req.getParameter("ms")));
            }
            case "/length-then-wait" -> {
                req.getSession().setAttribute(n, req.getParameter("v"));
                byte[] body = "done".getBytes(java.nio.charset.StandardCharsets.UTF_8);
                resp.setContentLength(body.length);
                resp.getOutputStream().write(body);
                sleep(Long.parseLong(req.getParameter("ms")));
            }
            case "/redirect-after-wait" -> {
                HttpSession s = req.getSession(false);
                s.getAttribute("user");
                sleep(Long.parseLong(req.getParameter("ms")));
                s.setAttribute("user", req.getParameter("v"));
                resp.sendRedirect(req.getContextPath() + "/");
            }
            case "/flushes" -> {
                HttpSession s = req.getSession();
                Counted c = (Counted) s.getAttribute(n);
                if (c == null) {
                    s.setAttribute(n, new Counted());
                    resp.getWriter().print("set");
                    return;
                }
                Counted.READS.set(0);
                PrintWriter w = resp.getWriter();
                for (int i = 0; i < 10; i++) {
                    w.print("line " + i + "\n");
                    w.flush();
                }
                // The count is read by the next request: this one's end-of-request commit adds to it.
            }
            case "/reads" -> resp.getWriter().print(Counted.READS.get());
            case "/async-dispatch" -> {
                if (req.getDispatcherType() == jakarta.servlet.DispatcherType.ASYNC) {
                    req.getSession(false).setAttribute(n, req.getParameter("v"));
                    resp.getWriter().print("dispatched");
                    return;
                }
                req.getSession();
                jakarta.servlet.AsyncContext ctx = req.startAsync();
                ctx.addListener(new SlowListener(Long.parseLong(req.getParameter("ms"))));
                ctx.start(ctx::dispatch);
            }
            case "/set-then-cycle" -> {
                // Accepted at setAttribute, then turned into something JSON cannot hold in place.
                Values.Node node = new Values.Node();
                node.name = "accepted";
                req.getSession().setAttribute(n, node);
                node.next = node;
                resp.getWriter().print("ok");
            }
            case "/node" -> {
                HttpSession s = req.getSession(false);
                Object v = s == null ? null : s.getAttribute(n);
                resp.getWriter().print(v instanceof Values.Node node ? "Node " + node.name + " next=" + node.next : "null");
            }
            case "/grow" -> {
                @SuppressWarnings("unchecked")
                List<String> list = (List<String>) req.getSession().getAttribute(n);
                if (list == null) {
                    req.getSession().setAttribute(n, new ArrayList<>(List.of("small")));
                    resp.getWriter().print("set");
                } else {
                    list.add("x".repeat(Integer.parseInt(req.getParameter("kib") == null ? "70" : req.getParameter("kib"))
                            * 1024)); // in place: past the 64 KiB default unless told otherwise
                    resp.getWriter().print("grown");
                }
            }
            case "/size" -> {
                Object v = req.getSession().getAttribute(n);
                resp.getWriter().print(v instanceof List<?> l ? "items=" + l.size() : "null");
            }
            default -> resp.sendError(404);
        }
    }

    /** An application AsyncListener slow to complete: a save left to completion callbacks comes late. */
    public static final class SlowListener implements jakarta.servlet.AsyncListener {
        private final long ms;

        public SlowListener(long ms) {
            this.ms = ms;
        }

        @Override
        public void onComplete(jakarta.servlet.AsyncEvent event) {
            sleep(ms);
        }

        @Override
        public void onTimeout(jakarta.servlet.AsyncEvent event) {
        }

        @Override
        public void onError(jakarta.servlet.AsyncEvent event) {
        }

        @Override
        public void onStartAsync(jakarta.servlet.AsyncEvent event) {
        }
    }

    /** A mutable session value that counts how often JSON-B reads it (each re-encode at a commit). */
    public static final class Counted {
        static final java.util.concurrent.atomic.AtomicInteger READS = new java.util.concurrent.atomic.AtomicInteger();
        private String state = "s";

        public String getState() {
            READS.incrementAndGet();
            return state;
        }

        public void setState(String state) {
            this.state = state;
        }
    }

    /** A session listener that calls invalidate() again from sessionDestroyed: must not recurse or fire twice. */
    public static final class ReentrantListener implements HttpSessionListener {
        static final List<String> EVENTS = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void sessionDestroyed(HttpSessionEvent se) {
            Object user = se.getSession().getAttribute("user");
            EVENTS.add("destroyed user=" + user);
            if ("slow".equals(user)) {
                sleep(300); // a slow listener: a second invalidate() arrives meanwhile
                return;
            }
            try {
                se.getSession().invalidate();
                EVENTS.add("reentered");
            } catch (IllegalStateException e) {
                EVENTS.add("ISE");
            } catch (StackOverflowError e) {
                EVENTS.add("recursed");
            }
        }
    }

    /** Records whether it could already be read from the session inside valueBound. */
    public static final class Peeking implements HttpSessionBindingListener {
        static final List<String> SEEN = Collections.synchronizedList(new ArrayList<>());
        public String name;

        public Peeking() {
        }

        public Peeking(String name) {
            this.name = name;
        }

        @Override
        public void valueBound(HttpSessionBindingEvent event) {
            SEEN.add("visible-in-valueBound=" + (event.getSession().getAttribute(name) == this));
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
