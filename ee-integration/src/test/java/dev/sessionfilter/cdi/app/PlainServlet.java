package dev.sessionfilter.cdi.app;

import jakarta.inject.Inject;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;

/** The WAR without sessionfilter-ee (the deployment-time baseline): the same bean, in the container's session. */
@WebServlet("/plain")
public class PlainServlet extends HttpServlet {
    @Inject
    Cart cart;

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        cart.add("x");
        resp.getWriter().write("items=" + String.join("+", cart.items()) + "\n");
    }
}
