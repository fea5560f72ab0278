package dev.sessionfilter.health;

import dev.sessionfilter.SessionFilter;
import dev.sessionfilter.testing.Browser;
import dev.sessionfilter.testing.EmbeddedTomcat;
import dev.sessionfilter.testing.OpsServlet;
import dev.sessionfilter.testing.RedisProcess;
import dev.sessionfilter.testing.RedisServers;
import dev.sessionfilter.testing.TestApps;
import org.junit.jupiter.api.Test;

import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Session figures under Tomcat's Manager names over JMX, and in the Prometheus text: created, expired,
 * invalidated, rejected and evicted by the per-principal limit, alive times, active sessions in Redis,
 * the size and attribute-count histograms; the bean leaves with the app.
 */
class SessionMetricsIT {

    private static long metric(String text, String sample) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(sample) + " (\\S+)$").matcher(text);
        assertTrue(m.find(), sample + " in\n" + text);
        return (long) Double.parseDouble(m.group(1));
    }

    @Test
    void managerMBean_andPrometheus_countWhatHappened() throws Exception {
        MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();
        ObjectName name = new ObjectName("dev.sessionfilter:type=Manager,host=localhost,context=/metrics");
        try (RedisProcess redis = RedisServers.standalone()) {
            try (EmbeddedTomcat app = new EmbeddedTomcat("/metrics").param("sessionfilter.redis.url", redis.url())
                    .param("sessionfilter.keyset", TestApps.newKeyset()).param("sessionfilter.principalAttribute", "user")
                    .param("sessionfilter.maxSessionsPerPrincipal", "1").param("sessionfilter.maxSessionsPolicy", "refuse")
                    .param("sessionfilter.expiry.notifyWithin", "1s").param("sessionfilter.health.detailsFromLoopback", "true")
                    .filter("sessions", new SessionFilter(), Map.of()).servlet("ops", new OpsServlet(), "/ops/*")
                    .servlet("health", new dev.sessionfilter.HealthServlet(), "/health/*").start()) {
                assertTrue(jmx.isRegistered(name), "registered under Tomcat's Manager keys: " + jmx.queryNames(
                        new ObjectName("dev.sessionfilter:*"), null));
                Browser first = new Browser();
                first.get(app.url("/ops/login?v=ann"));
                assertEquals(409, new Browser().get(app.url("/ops/login?v=ann")).status(), "one refused login");
                Browser big = new Browser();
                for (int i = 0; i < 6; i++) {
                    big.get(app.url("/ops/set?n=a" + i + "&v=" + "x".repeat(2000)));
                }
                assertEquals(2000, big.get(app.url("/ops/get?n=a5")).body().length(), "loaded with its six attributes");
                Browser ended = new Browser();
                ended.get(app.url("/ops/set?n=x&v=1"));
                Thread.sleep(1_100);
                assertEquals("invalidated", ended.get(app.url("/ops/invalidate")).body());
                Browser expiring = new Browser();
                expiring.get(app.url("/ops/set?n=x&v=1"));
                expiring.get(app.url("/ops/setmax?v=1"));
                long deadline = System.currentTimeMillis() + 10_000;
                while ((long) jmx.getAttribute(name, "expiredSessions") < 1 && System.currentTimeMillis() < deadline) {
                    Thread.sleep(200);
                }

                assertEquals(5L, jmx.getAttribute(name, "sessionCounter"), "ann, the refused one, big, ended, expiring");
                assertEquals(1L, jmx.getAttribute(name, "expiredSessions"));
                assertEquals(1, jmx.getAttribute(name, "rejectedSessions"));
                assertEquals(1L, jmx.getAttribute(name, "invalidatedSessions"));
                assertEquals(0L, jmx.getAttribute(name, "evictedSessions"));
                assertEquals(1800, jmx.getAttribute(name, "maxInactiveInterval"));
                int maxAlive = (int) jmx.getAttribute(name, "sessionMaxAliveTime");
                assertTrue(maxAlive >= 1 && maxAlive <= 10, "the invalidated one lived over a second: " + maxAlive);
                assertTrue((int) jmx.getAttribute(name, "sessionAverageAliveTime") >= 1);
                long settle = System.currentTimeMillis() + 3_000; // the expired one's data goes just after its event
                while (!Integer.valueOf(3).equals(jmx.getAttribute(name, "activeSessions")) && System.currentTimeMillis() < settle) {
                    Thread.sleep(100);
                }
                assertEquals(3, jmx.getAttribute(name, "activeSessions"), "ann, the refused one (anonymous) and big, in Redis");
                assertEquals(Set.of("activeSessions", "sessionCounter", "expiredSessions", "rejectedSessions",
                        "sessionMaxAliveTime", "sessionAverageAliveTime", "maxInactiveInterval", "invalidatedSessions",
                        "evictedSessions", "maxSessionsPerPrincipal"), attributeNames(jmx, name));

                String text = new Browser().get(app.url("/health/metrics")).body();
                assertEquals(5, metric(text, "sessionfilter_sessions_created_total"));
                assertEquals(1, metric(text, "sessionfilter_sessions_invalidated_total"));
                assertEquals(1, metric(text, "sessionfilter_sessions_rejected_total"));
                assertEquals(0, metric(text, "sessionfilter_sessions_evicted_total"));
                long loads = metric(text, "sessionfilter_session_size_bytes_count");
                assertEquals(loads, metric(text, "sessionfilter_session_attributes_count"));
                assertEquals(loads, metric(text, "sessionfilter_session_size_bytes_bucket{le=\"+Inf\"}"));
                assertTrue(metric(text, "sessionfilter_session_size_bytes_bucket{le=\"16384\"}")
                        > metric(text, "sessionfilter_session_size_bytes_bucket{le=\"4096\"}"),
                        "the big session (six 2,000-character values) lands above 4 KiB:\n" + text);
                assertTrue(metric(text, "sessionfilter_session_attributes_bucket{le=\"5\"}")
                        < metric(text, "sessionfilter_session_attributes_bucket{le=\"10\"}"), "six attributes: above 5");
                PrometheusText.parse(text);
            }
            assertFalse(jmx.isRegistered(name), "gone with the app");
        }
    }

    private static Set<String> attributeNames(MBeanServer jmx, ObjectName name) throws Exception {
        Set<String> out = new java.util.HashSet<>();
        for (javax.management.MBeanAttributeInfo a : jmx.getMBeanInfo(name).getAttributes()) {
            out.add(a.getName());
        }
        return out;
    }
}
