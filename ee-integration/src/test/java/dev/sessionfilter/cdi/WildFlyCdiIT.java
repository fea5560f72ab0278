package dev.sessionfilter.cdi;

import dev.sessionfilter.testing.RedisProcess;
import dev.sessionfilter.testing.RedisServers;
import org.jboss.arquillian.container.test.api.Deployer;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.container.test.api.TargetsContainer;
import org.jboss.arquillian.junit5.container.annotation.ArquillianTest;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.AfterAll;
import dev.sessionfilter.testing.Browser;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;

/**
 * The scenarios on two real WildFly 39 servers (the unpacked Maven Central distribution), started and
 * deployed to by Arquillian's managed WildFly container: qualifiers {@code a} and {@code b} in
 * arquillian.xml, HTTP on 9180 and 9280. The @RateLimited refusal comes through a JAX-RS resource.
 */
@ArquillianTest
@RunAsClient
class WildFlyCdiIT extends CdiScenarios {
    private static RedisProcess redis;
    private static final Set<String> DEPLOYED = new HashSet<>();

    @ArquillianResource
    Deployer deployer;

    /** Started by the first deployment method Arquillian calls: the WARs name its URL. */
    static synchronized RedisProcess redisServer() {
        if (redis == null) {
            redis = RedisServers.standalone();
        }
        return redis;
    }

    @Deployment(name = "a", managed = false, testable = false)
    @TargetsContainer("a")
    static WebArchive a() {
        return TestWars.war("cdi", redisServer().url(), true, false, TestWars.Kind.GOOD);
    }

    @Deployment(name = "b", managed = false, testable = false)
    @TargetsContainer("b")
    static WebArchive b() {
        return TestWars.war("cdi", redisServer().url(), true, false, TestWars.Kind.GOOD);
    }

    @Deployment(name = "bad-setting", managed = false, testable = false)
    @TargetsContainer("a")
    static WebArchive badSetting() {
        return TestWars.war("bad-setting", redisServer().url(), true, false, TestWars.Kind.BAD_SETTING);
    }

    @Deployment(name = "bad-limit", managed = false, testable = false)
    @TargetsContainer("a")
    static WebArchive badLimit() {
        return TestWars.war("bad-limit", redisServer().url(), true, false, TestWars.Kind.BAD_LIMIT);
    }

    @Deployment(name = "bad-bean", managed = false, testable = false)
    @TargetsContainer("a")
    static WebArchive badBean() {
        return TestWars.war("bad-bean", redisServer().url(), true, false, TestWars.Kind.BAD_BEAN);
    }

    @Deployment(name = "bad-microprofile-config", managed = false, testable = false)
    @TargetsContainer("a")
    static WebArchive badMicroProfileConfig() {
        return TestWars.war("bad-mp", redisServer().url(), true, false, TestWars.Kind.BAD_MICROPROFILE_CONFIG);
    }

    /** For the deployment-time figure: the same WAR with and without sessionfilter-ee. */
    @Deployment(name = "timed-plain", managed = false, testable = false)
    @TargetsContainer("b")
    static WebArchive timedPlain() {
        return TestWars.war("timed-plain", redisServer().url(), false, false, TestWars.Kind.PLAIN);
    }

    @Deployment(name = "timed-ee", managed = false, testable = false)
    @TargetsContainer("b")
    static WebArchive timedEe() {
        return TestWars.war("timed-ee", redisServer().url(), true, false, TestWars.Kind.GOOD);
    }

    @Test
    @Order(10)
    void microProfileConfig_isASettingsSource_andItsMistakesFailTheDeployment() {
        Browser user = new Browser();
        user.get(url("a", "/probe/attr?name=x&value=y"));
        assertTrue(user.cookies.containsKey(TestWars.MICROPROFILE_COOKIE),
                "sessionfilter.cookie.name from microprofile-config.properties: " + user.cookies);
        String failure = deployBroken(TestWars.Kind.BAD_MICROPROFILE_CONFIG);
        assertTrue(failure.contains("`sessionfilter.maxAttributeSize` (MicroProfile Config property "
                + "sessionfilter.maxAttributeSize) was `huge`"), failure);
        assertTrue(failure.contains("MicroProfile Config property sessionfilter.cookie.nmae"), failure);
    }

    @Test
    @Order(11)
    void deploymentTime_withAndWithoutTheExtension() {
        long[] plain = new long[3];
        long[] ee = new long[3];
        for (int i = 0; i < 3; i++) { // alternated, the first round warms the server up
            plain[i] = timedDeploy("timed-plain");
            ee[i] = timedDeploy("timed-ee");
        }
        System.out.printf("deployment time on WildFly (ms), rounds 2-3: without sessionfilter-ee %d %d, with %d %d%n",
                plain[1], plain[2], ee[1], ee[2]);
        assertTrue(ee[2] > 0 && plain[2] > 0);
    }

    private long timedDeploy(String name) {
        long t0 = System.nanoTime();
        deployer.deploy(name);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        deployer.undeploy(name);
        return ms;
    }

    @BeforeEach
    void deployBoth() {
        for (String name : new String[] {"a", "b"}) {
            synchronized (DEPLOYED) {
                if (DEPLOYED.add(name)) {
                    deployer.deploy(name);
                }
            }
        }
    }

    @AfterAll
    static void stopRedis() {
        if (redis != null) {
            redis.close();
        }
    }

    @Override
    String url(String instance, String path) {
        return "http://127.0.0.1:" + ("a".equals(instance) ? 9180 : 9280) + TestWars.CONTEXT + path;
    }

    @Override
    RedisProcess redis() {
        return redisServer();
    }

    @Override
    void stop(String instance) {
        deployer.undeploy(instance);
    }

    @Override
    String deployBroken(TestWars.Kind kind) {
        String name = switch (kind) {
            case BAD_SETTING -> "bad-setting";
            case BAD_LIMIT -> "bad-limit";
            case BAD_BEAN -> "bad-bean";
            case BAD_MICROPROFILE_CONFIG -> "bad-microprofile-config";
            default -> throw new IllegalArgumentException(kind.name());
        };
        try {
            deployer.deploy(name);
        } catch (Exception e) { // Arquillian's DeploymentException, thrown undeclared
            StringBuilder sb = new StringBuilder();
            for (Throwable t = e; t != null; t = t.getCause()) {
                sb.append(t).append('\n');
            }
            return sb.toString().replace("\\\"", "\""); // the management answer escapes quotes
        }
        deployer.undeploy(name);
        return "deployed without an error";
    }

    @Override
    boolean jaxrs() {
        return true;
    }
}
