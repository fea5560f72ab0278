package dev.sessionfilter.reliability;

import dev.sessionfilter.HealthServlet;
import dev.sessionfilter.testing.Browser;
import dev.sessionfilter.testing.EmbeddedTomcat;
import dev.sessionfilter.testing.TestApps;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/** Two (or more) instances of the test application on one Redis, with the health servlet and its token. */
final class Rig implements AutoCloseable {
    final String keyset = TestApps.newKeyset();
    final List<EmbeddedTomcat> apps = new ArrayList<>();

    Rig(int instances, String redisUrl, String namespace, UnaryOperator<EmbeddedTomcat> settings) {
        this(instances, i -> redisUrl, namespace, settings);
    }

    Rig(int instances, java.util.function.IntFunction<String> redisUrl, String namespace,
        UnaryOperator<EmbeddedTomcat> settings) {
        try {
            for (int i = 0; i < instances; i++) {
                EmbeddedTomcat app = TestApps.app(redisUrl.apply(i), keyset).param("sessionfilter.namespace", namespace)
                        .param("sessionfilter.health.token", HealthWatch.TOKEN)
                        .servlet("health", new HealthServlet(), "/health/*");
                apps.add(settings.apply(app).start());
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Sessions created before a fault and left alone during it: one per instance per {@code perApp}. */
    List<String[]> idleSessions(int perApp) {
        List<String[]> out = new ArrayList<>();
        for (int i = 0; i < perApp * apps.size(); i++) {
            Browser b = new Browser();
            String v = "idle-" + i;
            if (!"ok".equals(b.get(apps.get(i % apps.size()).url("/ops/set?n=c&v=" + v)).body())) {
                throw new IllegalStateException("could not create an idle session");
            }
            out.add(new String[] {b.cookies.get("SESSION"), v});
        }
        return out;
    }

    /** How many of the idle sessions every instance still reads with their value. */
    int idleSurvivors(List<String[]> idle) {
        int alive = 0;
        for (String[] s : idle) {
            boolean all = true;
            for (EmbeddedTomcat app : apps) {
                all &= s[1].equals(Browser.withSession(s[0]).get(app.url("/ops/get?n=c")).body());
            }
            alive += all ? 1 : 0;
        }
        return alive;
    }

    String details(int app) {
        return new Browser().get(apps.get(app).url("/health/ready"), Map.of("Authorization", "Bearer " + HealthWatch.TOKEN))
                .body();
    }

    @Override
    public void close() {
        for (EmbeddedTomcat app : apps) {
            try {
                app.close();
            } catch (RuntimeException e) {
                // closing the others anyway
            }
        }
    }
}
