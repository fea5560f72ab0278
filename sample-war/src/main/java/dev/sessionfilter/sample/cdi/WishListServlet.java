package dev.sessionfilter.sample.cdi;

import jakarta.inject.Inject;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.io.PrintWriter;

/**
 * The CDI page: a {@code @SessionScoped} wish list and a rate-limited JAX-RS endpoint. On a container without
 * CDI (plain Tomcat) nothing is injected and the page says so.
 */
public class WishListServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Inject
    WishList wishList;

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        resp.setContentType("text/html;charset=UTF-8");
        PrintWriter w = resp.getWriter();
        w.println("<!doctype html><html><head><title>sessionfilter sample: CDI</title></head><body>");
        w.println("<h1>CDI: a @SessionScoped bean in Redis</h1>");
        if (wishList == null) {
            w.println("<p id=\"no-cdi\">This container has no CDI (plain Tomcat). Run the sample on WildFly, or add "
                    + "Weld Servlet, to see the wish list.</p></body></html>");
            return;
        }
        w.println("<ul id=\"wishes\">");
        for (String i : wishList.items()) {
            w.println("<li>" + esc(i) + "</li>");
        }
        w.println("</ul><form method=\"post\"><input name=\"item\" placeholder=\"a wish\"><button>Add</button></form>");
        w.println("<form method=\"post\" action=\"api/newsletter\"><input name=\"email\" placeholder=\"email\">"
                + "<button>Subscribe (3 per minute)</button></form>");
        w.println("<p><a href=\"./\">back to the shop</a></p></body></html>");
    }

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        if (wishList != null) {
            wishList.add(req.getParameter("item"));
        }
        resp.sendRedirect("wishlist");
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
