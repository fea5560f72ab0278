package dev.sessionfilter.cdi.internal;

import dev.sessionfilter.StartupCheck;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRegistration;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import java.io.InputStream;
import java.lang.reflect.Proxy;
import java.net.URL;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The deployment's {@code WEB-INF/web.xml} as the filter's own start-up check sees it, for checking the
 * settings while CDI validates the deployment, before any servlet context exists. Found next to this
 * jar ({@code WEB-INF/lib/..}); where it is not (a packaging we do not know), the check at servlet start
 * still fails the deployment, with the same message.
 */
final class DeployedWebXml {
    private DeployedWebXml() {
    }

    /** The message of the first failing check, null when all pass, or when no web.xml can be read. */
    static String problems(ClassLoader loader) {
        Document doc = read();
        if (doc == null) {
            return null;
        }
        Map<String, String> contextParams = params(doc.getDocumentElement(), "context-param");
        Map<String, Component> filters = components(doc, "filter");
        Map<String, Component> servlets = components(doc, "servlet");
        Integer timeout = null;
        NodeList t = doc.getElementsByTagNameNS("*", "session-timeout");
        if (t.getLength() > 0) {
            try {
                timeout = Integer.valueOf(t.item(0).getTextContent().trim());
            } catch (NumberFormatException e) {
                // the container reports it
            }
        }
        ServletContext context = context(contextParams, filters, servlets, timeout, loader);
        try {
            new StartupCheck().onStartup(Set.of(), context);
            return null;
        } catch (ServletException e) {
            return e.getMessage();
        }
    }

    private static Document read() {
        try {
            URL jar = DeployedWebXml.class.getProtectionDomain().getCodeSource().getLocation();
            URL webXml = new URL(jar, jar.getPath().endsWith("/") ? "../../web.xml" : "../web.xml");
            if (!webXml.getPath().endsWith("/WEB-INF/web.xml")) {
                return null;
            }
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(true);
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
            f.setAttribute(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
            f.setExpandEntityReferences(false);
            try (InputStream in = webXml.openStream()) {
                return f.newDocumentBuilder().parse(in);
            }
        } catch (Exception e) {
            return null; // not found or not readable here: the servlet-start check covers it
        }
    }

    private record Component(String name, String className, Map<String, String> initParams) {
    }

    private static Map<String, Component> components(Document doc, String tag) {
        Map<String, Component> out = new LinkedHashMap<>();
        NodeList list = doc.getElementsByTagNameNS("*", tag);
        for (int i = 0; i < list.getLength(); i++) {
            Element e = (Element) list.item(i);
            String name = child(e, tag + "-name");
            String cls = child(e, tag + "-class");
            if (name != null && cls != null) {
                out.put(name, new Component(name, cls, params(e, "init-param")));
            }
        }
        return out;
    }

    private static Map<String, String> params(Element parent, String tag) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && tag.equals(e.getLocalName())) {
                String name = child(e, "param-name");
                String value = child(e, "param-value");
                if (name != null) {
                    out.put(name, value == null ? "" : value);
                }
            }
        }
        return out;
    }

    private static String child(Element parent, String tag) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && tag.equals(e.getLocalName())) {
                return e.getTextContent().trim();
            }
        }
        return null;
    }

    /** A servlet context that answers what the start-up check asks, from web.xml; nothing else. */
    private static ServletContext context(Map<String, String> contextParams, Map<String, Component> filters,
                                          Map<String, Component> servlets, Integer timeout, ClassLoader loader) {
        Map<String, FilterRegistration> f = new LinkedHashMap<>();
        filters.forEach((k, v) -> f.put(k, registration(FilterRegistration.class, v)));
        Map<String, ServletRegistration> s = new LinkedHashMap<>();
        servlets.forEach((k, v) -> s.put(k, registration(ServletRegistration.class, v)));
        return (ServletContext) Proxy.newProxyInstance(DeployedWebXml.class.getClassLoader(),
                new Class<?>[] {ServletContext.class}, (proxy, m, args) -> switch (m.getName()) {
                    case "getInitParameter" -> contextParams.get((String) args[0]);
                    case "getInitParameterNames" -> Collections.enumeration(contextParams.keySet());
                    case "getFilterRegistrations" -> f;
                    case "getServletRegistrations" -> s;
                    case "getContextPath" -> "";
                    case "getClassLoader" -> loader;
                    case "getSessionTimeout" -> {
                        if (timeout == null) {
                            throw new UnsupportedOperationException();
                        }
                        yield timeout;
                    }
                    case "toString" -> "web.xml";
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> throw new UnsupportedOperationException(m.getName());
                });
    }

    private static <R> R registration(Class<R> type, Component c) {
        return type.cast(Proxy.newProxyInstance(DeployedWebXml.class.getClassLoader(), new Class<?>[] {type},
                (proxy, m, args) -> switch (m.getName()) {
                    case "getName" -> c.name();
                    case "getClassName" -> c.className();
                    case "getInitParameter" -> c.initParams().get((String) args[0]);
                    case "getInitParameters" -> c.initParams();
                    case "toString" -> c.name();
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> throw new UnsupportedOperationException(m.getName());
                }));
    }
}
