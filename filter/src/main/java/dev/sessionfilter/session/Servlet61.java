package dev.sessionfilter.session;

import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

/**
 * Calls into Servlet 6.1 methods while compiling against 6.0 (the floor we support): only reached on a
 * 6.1 container, because only an application running there can call the overloads that lead here.
 */
final class Servlet61 {
    private static volatile Method sendRedirect;

    private Servlet61() {
    }

    /** {@code HttpServletResponse.sendRedirect(String, int, boolean)} of Servlet 6.1. */
    static void sendRedirect(ServletResponse target, String location, int sc, boolean clearBuffer)
            throws IOException {
        try {
            Method m = sendRedirect;
            if (m == null) {
                m = HttpServletResponse.class.getMethod("sendRedirect", String.class, int.class, boolean.class);
                sendRedirect = m;
            }
            m.invoke(target, location, sc, clearBuffer);
        } catch (InvocationTargetException e) {
            Throwable t = e.getCause();
            if (t instanceof IOException io) {
                throw io;
            }
            if (t instanceof RuntimeException re) {
                throw re;
            }
            if (t instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(t);
        } catch (NoSuchMethodException | IllegalAccessException e) {
            throw new UnsupportedOperationException("sendRedirect(String, int, boolean) needs Servlet 6.1", e);
        }
    }
}
