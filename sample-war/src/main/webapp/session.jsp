<%@ page contentType="text/html;charset=UTF-8" session="true" import="java.util.List,dev.sessionfilter.sample.CartItem" %>
<%!
    // No JSTL in a bare container: escape by hand, as legacy pages do.
    static String esc(Object o) {
        return o == null ? "" : o.toString().replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                .replace("\"", "&quot;");
    }
%>
<%
    @SuppressWarnings("unchecked")
    List<CartItem> cart = (List<CartItem>) session.getAttribute("cart");
%>
<!doctype html>
<html>
<head><title>sessionfilter sample: the session in a JSP</title></head>
<body>
<h1>The session, seen by a JSP</h1>
<p>A JSP's implicit <code>session</code> is the same Redis-backed session the servlets use.</p>
<table>
  <tr><th>user</th><td id="user"><%= esc(session.getAttribute("user")) %></td></tr>
  <tr><th>items in cart</th><td id="count"><%= cart == null ? 0 : cart.size() %></td></tr>
  <tr><th>new session</th><td id="new"><%= session.isNew() %></td></tr>
  <tr><th>idle timeout</th><td id="timeout"><%= session.getMaxInactiveInterval() %> s</td></tr>
</table>
<ul id="cart">
<% if (cart != null) { for (CartItem i : cart) { %>
  <li><%= esc(i.getName()) %> x <%= i.getQuantity() %></li>
<% } } %>
</ul>
<p><a href="./">Back to the shop</a></p>
</body>
</html>
