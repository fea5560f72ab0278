package dev.sessionfilter.sample;

import dev.sessionfilter.SessionRegistry;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * A legacy-style shop: plain servlet, session attributes, a cart list mutated in place. Nothing here knows
 * about Redis: the filter in web.xml is the whole integration.
 */
public class ShopServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        HttpSession session = req.getSession(false);
        resp.setContentType("text/html;charset=UTF-8");
        PrintWriter w = resp.getWriter();
        String user = session == null ? null : (String) session.getAttribute("user");
        w.println("<!doctype html><html><head><title>sessionfilter sample</title></head><body>");
        w.println("<h1>sessionfilter sample</h1>");
        w.println("<p>Served by instance <b id=\"instance\">" + esc(instance(req)) + "</b></p>");
        if (user == null) {
            w.println("<form method=\"post\" action=\"login\"><input name=\"user\" placeholder=\"name\">"
                    + "<button>Log in</button></form>");
        } else {
            w.println("<p>Logged in as <b id=\"user\">" + esc(user) + "</b></p>");
            Profile p = (Profile) session.getAttribute("profile");
            if (p != null) {
                w.println("<p>Profile: <b id=\"display\">" + esc(p.getDisplayName()) + "</b>, login nonce "
                        + "<b id=\"nonce\">" + esc(String.valueOf(p.getLoginNonce())) + "</b></p>");
            }
            w.println("<form method=\"post\" action=\"logout\"><button>Log out</button></form>");
            w.println("<form method=\"post\" action=\"logout-everywhere\"><button id=\"logout-everywhere\">"
                    + "Log out all my sessions</button></form>");
        }
        @SuppressWarnings("unchecked")
        List<CartItem> cart = session == null ? null : (List<CartItem>) session.getAttribute("cart");
        w.println("<h2>Cart</h2><ul id=\"cart\">");
        if (cart != null) {
            for (CartItem i : cart) {
                w.println("<li>" + esc(i.getName()) + " x " + i.getQuantity() + "</li>");
            }
        }
        w.println("</ul><form method=\"post\" action=\"cart\"><input name=\"item\" placeholder=\"item\">"
                + "<button>Add</button></form>");
        w.println("<p><a href=\"session.jsp\">The same session seen by a JSP</a> · <a href=\"ratelimit\">your login "
                + "quota</a> · <a href=\"health\">health</a> · <a href=\"wishlist\">CDI page</a></p>");
        w.println("</body></html>");
    }

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String path = req.getServletPath();
        switch (path) {
            case "/login" -> {
                HttpSession s = req.getSession();
                String user = req.getParameter("user");
                s.setAttribute("user", user);
                // The nonce is @JsonbTransient: this instance sees it in this request, no other ever does.
                Profile profile = new Profile(user, "User " + user);
                profile.setLoginNonce(Long.toHexString(System.nanoTime()));
                s.setAttribute("profile", profile);
                req.changeSessionId(); // no session fixation
            }
            case "/logout" -> {
                HttpSession s = req.getSession(false);
                if (s != null) {
                    s.invalidate();
                }
            }
            case "/logout-everywhere" -> {
                // Every session of this user, in every browser, on every instance (password changed, say).
                HttpSession s = req.getSession(false);
                String user = s == null ? null : (String) s.getAttribute("user");
                if (user != null) {
                    SessionRegistry registry = (SessionRegistry) getServletContext().getAttribute(SessionRegistry.ATTRIBUTE);
                    int ended = registry.invalidateAll(user);
                    log("logged " + user + " out of " + ended + " sessions");
                }
            }
            case "/cart" -> {
                HttpSession s = req.getSession();
                @SuppressWarnings("unchecked")
                List<CartItem> cart = (List<CartItem>) s.getAttribute("cart");
                if (cart == null) {
                    cart = new ArrayList<>();
                    s.setAttribute("cart", cart);
                }
                cart.add(new CartItem(req.getParameter("item"), 1)); // mutated in place, never set again
            }
            default -> {
                resp.sendError(404);
                return;
            }
        }
        resp.sendRedirect(req.getContextPath() + "/");
    }

    private static String instance(HttpServletRequest req) {
        String id = req.getServletContext().getInitParameter("sample.instance");
        if (id == null) {
            id = System.getProperty("sample.instance"); // set per container JVM by the launcher and the tests
        }
        return id != null ? id : req.getLocalName() + ":" + req.getLocalPort();
    }

    private static String esc(String s) {
        return s == null ? "" : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
