package dev.sessionfilter.cdi;

import dev.sessionfilter.cdi.app.Api;
import dev.sessionfilter.cdi.app.BadBean;
import dev.sessionfilter.cdi.app.BadLimit;
import dev.sessionfilter.cdi.app.Cart;
import dev.sessionfilter.cdi.app.EventLog;
import dev.sessionfilter.cdi.app.Guarded;
import dev.sessionfilter.cdi.app.LoginResource;
import dev.sessionfilter.cdi.app.PlainServlet;
import dev.sessionfilter.cdi.app.Preferences;
import dev.sessionfilter.cdi.app.Pricing;
import dev.sessionfilter.cdi.app.ProbeServlet;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.asset.StringAsset;
import org.jboss.shrinkwrap.api.exporter.ZipExporter;
import org.jboss.shrinkwrap.api.spec.WebArchive;

import java.io.File;
import java.nio.file.Path;
import java.util.Map;

/**
 * The test application as users would package it: the shaded sessionfilter.jar and sessionfilter-ee.jar
 * as built, in WEB-INF/lib, and a web.xml with the filter.
 */
final class TestWars {
    static final String CONTEXT = "/cdi";
    /** A test key (64 hex digits), never a real one. */
    static final String KEY = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

    private TestWars() {
    }

    enum Kind {
        GOOD,
        /** A setting out of range and a keyset file that cannot be read. */
        BAD_SETTING,
        BAD_LIMIT,
        /** A @SessionScoped bean with a field whose value could not be restored. */
        BAD_BEAN,
        /** Bad values in META-INF/microprofile-config.properties (WildFly has MicroProfile Config). */
        BAD_MICROPROFILE_CONFIG,
        /** Without sessionfilter-ee: the deployment-time baseline. */
        PLAIN
    }

    /** What the WildFly WARs read through MicroProfile Config (Tomcat has none). */
    static final String MICROPROFILE_COOKIE = "CDISESSION";

    static WebArchive war(String name, String redisUrl, boolean jaxrs, boolean weldServlet, Kind kind) {
        WebArchive w = ShrinkWrap.create(WebArchive.class, name + ".war")
                .addAsLibrary(new File(System.getProperty("sessionfilter.jar")), "sessionfilter.jar");
        if (kind == Kind.PLAIN) {
            w.addClasses(Cart.class, Pricing.class, PlainServlet.class);
            jaxrs = false;
        } else {
            w.addClasses(Cart.class, Preferences.class, Pricing.class, Guarded.class, EventLog.class, ProbeServlet.class)
                    .addAsLibrary(new File(System.getProperty("sessionfilter-ee.jar")), "sessionfilter-ee.jar");
        }
        if (jaxrs) {
            w.addAsResource(new StringAsset(kind == Kind.BAD_MICROPROFILE_CONFIG
                    ? "sessionfilter.maxAttributeSize=huge\nsessionfilter.cookie.nmae=typo\n"
                    : "sessionfilter.cookie.name=" + MICROPROFILE_COOKIE + "\n"), "META-INF/microprofile-config.properties");
            w.addClasses(Api.class, LoginResource.class);
        }
        if (weldServlet) {
            // Weld Servlet finds no implicit bean archive without Jandex: Tomcat users add a beans.xml, here
            // with discovery mode "all" (WildFly runs the WAR without one: "annotated", the CDI 4 default).
            w.addAsWebInfResource(new StringAsset("<beans xmlns=\"https://jakarta.ee/xml/ns/jakartaee\" "
                    + "version=\"4.0\" bean-discovery-mode=\"all\"/>"), "beans.xml");
            w.addAsLibrary(new File(org.jboss.weld.environment.servlet.EnhancedListener.class.getProtectionDomain()
                    .getCodeSource().getLocation().getPath()), "weld-servlet-shaded.jar");
        }
        if (kind == Kind.BAD_LIMIT) {
            w.addClass(BadLimit.class);
        }
        if (kind == Kind.BAD_BEAN) {
            w.addClass(BadBean.class);
        }
        Map<String, String> params = new java.util.LinkedHashMap<>();
        params.put("sessionfilter.redis.url", redisUrl);
        if (kind == Kind.BAD_SETTING) {
            params.put("sessionfilter.keysetFile", "/nonexistent/keyset.json");
        } else {
            params.put("sessionfilter.keyset", KEY);
        }
        params.put("sessionfilter.expiry.notifyWithin", "1s");
        // One connection per instance: a second pool (the CDI beans' own) would show in CLIENT LIST.
        params.put("sessionfilter.redis.pool.maxTotal", "1");
        if (kind == Kind.BAD_SETTING) {
            params.put("sessionfilter.cookie.sameSite", "Loose");
        }
        StringBuilder xml = new StringBuilder("""
                <?xml version="1.0" encoding="UTF-8"?>
                <web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.0">
                """);
        params.forEach((k, v) -> xml.append("  <context-param><param-name>").append(k).append("</param-name><param-value>")
                .append(v).append("</param-value></context-param>\n"));
        xml.append("""
                  <filter><filter-name>sessions</filter-name><filter-class>dev.sessionfilter.SessionFilter</filter-class>
                    <async-supported>true</async-supported></filter>
                  <filter-mapping><filter-name>sessions</filter-name><url-pattern>/*</url-pattern>
                    <dispatcher>REQUEST</dispatcher><dispatcher>FORWARD</dispatcher><dispatcher>INCLUDE</dispatcher>
                    <dispatcher>ERROR</dispatcher><dispatcher>ASYNC</dispatcher></filter-mapping>
                  <servlet><servlet-name>health</servlet-name><servlet-class>dev.sessionfilter.HealthServlet</servlet-class></servlet>
                  <servlet-mapping><servlet-name>health</servlet-name><url-pattern>/health/*</url-pattern></servlet-mapping>
                </web-app>
                """);
        return w.setWebXML(new StringAsset(xml.toString()));
    }

    static Path export(WebArchive war, Path dir) {
        Path file = dir.resolve(war.getName());
        war.as(ZipExporter.class).exportTo(file.toFile(), true);
        return file;
    }
}
