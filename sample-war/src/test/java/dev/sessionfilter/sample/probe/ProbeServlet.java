package dev.sessionfilter.sample.probe;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;

/**
 * Deployed by ContainersIT in a WAR of its own (with the shipped sessionfilter.jar) on every container: each
 * operation changes the session and then makes the response leave in a container-specific way while the
 * servlet still sleeps, so the test can check that the change was saved before the client had the response.
 */
public final class ProbeServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String v = req.getParameter("v");
        long ms = req.getParameter("ms") == null ? 0 : Long.parseLong(req.getParameter("ms"));
        switch (req.getPathInfo()) {
            case "/set" -> {
                req.getSession().setAttribute("x", v);
                resp.getWriter().print("ok");
            }
            case "/get" -> {
                HttpSession s = req.getSession(false);
                resp.getWriter().print(s == null ? "no-session" : String.valueOf(s.getAttribute("x")));
            }
            case "/cjk" -> {
                // More than a buffer of characters and of bytes: every container sends part of it now.
                req.getSession().setAttribute("x", v);
                resp.setContentType("text/plain;charset=UTF-8");
                PrintWriter w = resp.getWriter();
                String chunk = "\u4f1a\u8bdd\u5b58\u50a8".repeat(16);
                for (int written = 0; written < resp.getBufferSize() * 4; written += chunk.length() * 3) {
                    w.print(chunk);
                }
                sleep(ms);
            }
            case "/length" -> {
                // Undertow completes the response once the declared length is written.
                req.getSession().setAttribute("x", v);
                byte[] body = "done".getBytes(StandardCharsets.UTF_8);
                resp.setContentLength(body.length);
                resp.getOutputStream().write(body);
                sleep(ms);
            }
            case "/redirect61" -> {
                // Servlet 6.1's sendRedirect(String, int); Undertow sends a redirect at once.
                req.getSession().setAttribute("x", v);
                try {
                    Method m = HttpServletResponse.class.getMethod("sendRedirect", String.class, int.class);
                    m.invoke(resp, req.getContextPath() + "/p/get", 303);
                } catch (NoSuchMethodException e) {
                    resp.setHeader("X-Probe", "servlet-6.0");
                    resp.getWriter().print("n/a");
                    return;
                } catch (ReflectiveOperationException e) {
                    throw new IOException(e);
                }
                sleep(ms);
            }
            case "/async" -> {
                req.getSession();
                AsyncContext ctx = req.startAsync();
                // The app's own listener runs first and takes its time: a save left to completion
                // callbacks would come after the client has the response.
                ctx.addListener(new Slow(ms));
                ctx.start(() -> {
                    try {
                        ((HttpServletRequest) ctx.getRequest()).getSession(false).setAttribute("x", v);
                        ctx.getResponse().getWriter().print("done");
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    } finally {
                        ctx.complete();
                    }
                });
            }
            case "/async-dispatch" -> {
                if (req.getDispatcherType() == jakarta.servlet.DispatcherType.ASYNC) {
                    // The dispatch target changes the session and answers.
                    req.getSession(false).setAttribute("x", v);
                    resp.getWriter().print("dispatched");
                    return;
                }
                req.getSession();
                AsyncContext ctx = req.startAsync();
                ctx.addListener(new Slow(ms));
                ctx.start(ctx::dispatch);
            }
            default -> resp.sendError(404);
        }
    }

    /** An application AsyncListener that is slow on completion. */
    public static final class Slow implements AsyncListener {
        private final long ms;

        public Slow() {
            this(0);
        }

        Slow(long ms) {
            this.ms = ms;
        }

        @Override
        public void onComplete(AsyncEvent event) {
            sleep(ms);
        }

        @Override
        public void onTimeout(AsyncEvent event) {
        }

        @Override
        public void onError(AsyncEvent event) {
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
