package dev.sessionfilter.session;

import jakarta.servlet.http.HttpServletRequest;

import java.util.List;

/** Servlet url-patterns ({@code /exact}, {@code /prefix/*}, {@code *.ext}) matched against a request's path in its app. */
public final class PathPatterns {
    private PathPatterns() {
    }

    public static boolean matches(List<String> patterns, HttpServletRequest req) {
        if (patterns.isEmpty()) {
            return false;
        }
        String uri = req.getRequestURI();
        String ctx = req.getContextPath();
        String path = uri.startsWith(ctx) ? uri.substring(ctx.length()) : uri;
        for (String p : patterns) {
            if (p.startsWith("*.")) {
                if (path.endsWith(p.substring(1))) {
                    return true;
                }
            } else if (p.endsWith("/*")) {
                String prefix = p.substring(0, p.length() - 2);
                if (path.equals(prefix) || path.startsWith(prefix + "/")) {
                    return true;
                }
            } else if (path.equals(p)) {
                return true;
            }
        }
        return false;
    }
}
