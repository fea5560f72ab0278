package dev.sessionfilter.bench;

import dev.sessionfilter.SessionFilter;
import dev.sessionfilter.testing.EmbeddedTomcat;
import dev.sessionfilter.testing.RedisProcess;
import dev.sessionfilter.testing.RedisServers;
import dev.sessionfilter.testing.TestApps;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * Not a test: the server bench/throughput.sh loads. Three applications, same servlet: /redis with
 * SessionFilter (real Redis, near cache on), /uncached (near cache off), /memory with Tomcat's own
 * in-memory sessions (the baseline).
 * Each session holds 5 attributes (strings, a number, a list). Prints the port, then waits.
 */
public final class BenchServer {
    public static void main(String[] args) throws Exception {
        RedisProcess redis = RedisServers.standalone();
        EmbeddedTomcat redisApp = new EmbeddedTomcat("/redis")
                .param("sessionfilter.redis.url", redis.url())
                .param("sessionfilter.nearCache.maxEntries", "10000")
                .param("sessionfilter.nearCache.invalidation", "tracking")
                .param("sessionfilter.keyset", TestApps.newKeyset())
                .filter("sessions", new SessionFilter(), Map.of())
                .servlet("bench", new BenchServlet(), "/*").start();
        EmbeddedTomcat uncachedApp = new EmbeddedTomcat("/uncached")
                .param("sessionfilter.redis.url", redis.url())
                .param("sessionfilter.keyset", TestApps.newKeyset())
                .param("sessionfilter.nearCache.maxEntries", "0")
                .filter("sessions", new SessionFilter(), Map.of())
                .servlet("bench", new BenchServlet(), "/*").start();
        EmbeddedTomcat memoryApp = new EmbeddedTomcat("/memory").servlet("bench", new BenchServlet(), "/*").start();
        System.out.println("REDIS_URL=" + redisApp.url(""));
        System.out.println("UNCACHED_URL=" + uncachedApp.url(""));
        System.out.println("MEMORY_URL=" + memoryApp.url(""));
        System.out.println("REDIS_PORT=" + redis.port());
        System.out.println("REDIS_PID=" + redis.pid());
        System.out.println("READY");
        System.out.flush();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            redisApp.close();
            uncachedApp.close();
            memoryApp.close();
            redis.close();
        }));
        new CountDownLatch(1).await();
    }

    private static final String KB = "x".repeat(1000);

    /**
     * /init creates a session of five attributes of about 1 KB each (three strings, a number, a list of ten
     * 100-character strings); /read reads all five; /write changes one (the number).
     */
    public static final class BenchServlet extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        @SuppressWarnings("unchecked")
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            resp.setContentType("text/plain");
            switch (req.getPathInfo() == null ? "" : req.getPathInfo()) {
                case "/init" -> {
                    HttpSession s = req.getSession();
                    s.setAttribute("user", "alice@example.com " + KB);
                    s.setAttribute("role", "customer " + KB);
                    s.setAttribute("visits", 0);
                    s.setAttribute("locale", "en-GB " + KB);
                    List<String> cart = new ArrayList<>();
                    for (int i = 0; i < 10; i++) {
                        cart.add("item " + i + " " + KB.substring(0, 93));
                    }
                    s.setAttribute("cart", cart);
                    resp.getWriter().print("ok");
                }
                case "/read" -> {
                    HttpSession s = req.getSession(false);
                    List<String> cart = (List<String>) s.getAttribute("cart");
                    resp.getWriter().print(s.getAttribute("user") + " " + s.getAttribute("role") + " "
                            + s.getAttribute("visits") + " " + s.getAttribute("locale") + " " + cart.size());
                }
                case "/write" -> {
                    HttpSession s = req.getSession(false);
                    Integer v = (Integer) s.getAttribute("visits");
                    s.setAttribute("visits", v + 1);
                    resp.getWriter().print(v);
                }
                default -> resp.sendError(404);
            }
        }
    }
}
