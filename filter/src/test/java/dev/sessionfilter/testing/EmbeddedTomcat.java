package dev.sessionfilter.testing;

import jakarta.servlet.Filter;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.LifecycleState;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.ErrorPage;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.Map;

/** A real Tomcat (embedded) serving one context over HTTP on a free loopback port. */
public final class EmbeddedTomcat implements AutoCloseable {
    private final Tomcat tomcat = new Tomcat();
    private final Context context;
    private final Map<String, String> contextParams = new LinkedHashMap<>();
    private final String contextPath;

    public EmbeddedTomcat(String contextPath) {
        this.contextPath = contextPath;
        try {
            tomcat.setBaseDir(Files.createTempDirectory("tomcat").toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Connector c = new Connector();
        c.setPort(0);
        c.setProperty("address", "127.0.0.1");
        tomcat.setConnector(c);
        tomcat.getHost().setAutoDeploy(false);
        context = tomcat.addContext(contextPath, null);
        context.setSessionTimeout(30);
    }

    public EmbeddedTomcat param(String name, String value) {
        contextParams.put(name, value);
        return this;
    }

    public Context context() {
        return context;
    }

    /** Maps a filter on /* for every dispatcher, like the documented web.xml. */
    public EmbeddedTomcat filter(String name, Filter filter, Map<String, String> initParams) {
        return filter(name, filter, initParams, "/*");
    }

    /** Maps a filter on one url-pattern for every dispatcher. */
    public EmbeddedTomcat filter(String name, Filter filter, Map<String, String> initParams, String pattern) {
        FilterDef def = new FilterDef();
        def.setFilterName(name);
        def.setFilter(filter);
        def.setFilterClass(filter.getClass().getName());
        initParams.forEach(def::addInitParameter);
        context.addFilterDef(def);
        FilterMap map = new FilterMap();
        map.setFilterName(name);
        map.addURLPattern(pattern);
        for (DispatcherType t : DispatcherType.values()) {
            map.setDispatcher(t.name());
        }
        context.addFilterMap(map);
        return this;
    }

    public EmbeddedTomcat servlet(String name, HttpServlet servlet, String pattern) {
        Tomcat.addServlet(context, name, servlet).setAsyncSupported(true);
        context.addServletMappingDecoded(pattern, name);
        return this;
    }

    public EmbeddedTomcat errorPage(Class<? extends Throwable> type, String location) {
        ErrorPage p = new ErrorPage();
        p.setExceptionType(type.getName());
        p.setLocation(location);
        context.addErrorPage(p);
        return this;
    }

    /** Starts; throws when the context failed to start (e.g. a filter's init() failed). */
    public EmbeddedTomcat start() {
        contextParams.forEach(context::addParameter);
        try {
            tomcat.start();
        } catch (LifecycleException e) {
            throw new IllegalStateException(e);
        }
        if (context.getState() != LifecycleState.STARTED) {
            throw new IllegalStateException("context " + contextPath + " failed to start: " + context.getState());
        }
        return this;
    }

    public int port() {
        return tomcat.getConnector().getLocalPort();
    }

    public String url(String path) {
        return "http://127.0.0.1:" + port() + contextPath + path;
    }

    @Override
    public void close() {
        try {
            tomcat.stop();
            tomcat.destroy();
        } catch (LifecycleException e) {
            throw new IllegalStateException(e);
        }
    }
}
