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
import org.junit.jupiter.api.BeforeEach;

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
        String name = kind == TestWars.Kind.BAD_SETTING ? "bad-setting" : "bad-limit";
        try {
            deployer.deploy(name);
        } catch (Exception e) { // Arquillian's DeploymentException, thrown undeclared
            StringBuilder sb = new StringBuilder();
            for (Throwable t = e; t != null; t = t.getCause()) {
                sb.append(t).append('\n');
            }
            return sb.toString();
        }
        deployer.undeploy(name);
        return "deployed without an error";
    }

    @Override
    boolean jaxrs() {
        return true;
    }
}
