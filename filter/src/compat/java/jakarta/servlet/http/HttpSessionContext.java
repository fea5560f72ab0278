package jakarta.servlet.http;

import java.util.Enumeration;

/**
 * Compile-time stand-in for the interface Servlet 6 removed (deprecated since Servlet 2.1), so that
 * {@code RedisHttpSession#getSessionContext()} exists in the javax build, where Servlet 4.0's HttpSession still
 * declares it. Never packaged (maven-jar-plugin excludes it): on Servlet 6 nothing calls that method, and in
 * the javax jar the name is javax.servlet.http.HttpSessionContext, the container's own.
 */
@Deprecated
public interface HttpSessionContext {
    HttpSession getSession(String sessionId);

    Enumeration<String> getIds();
}
