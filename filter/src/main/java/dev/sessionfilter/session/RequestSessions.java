package dev.sessionfilter.session;

import dev.sessionfilter.config.SessionConfig;
import dev.sessionfilter.store.RedisUnavailableException;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import jakarta.servlet.http.HttpSession;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.System.Logger.Level;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The session state of one request, shared by every dispatch of it (forward, include, error, async): kept as
 * a request attribute so each re-entry of the filter sees the same session. The session is loaded on first
 * use (a request that never asks costs no Redis command) and committed when the outermost dispatch ends,
 * when async work completes, or just before the response is committed, whichever comes first.
 */
final class RequestSessions implements ServedRequest {
    static final String ATTRIBUTE = RequestSessions.class.getName();
    /** The request whose filter chain runs on this thread, for {@link ServedRequest#current()}. */
    static final ThreadLocal<RequestSessions> SERVING = new ThreadLocal<>();
    /** Cookie values we even look up: 43 base64url characters; at most this many candidates per request. */
    private static final int MAX_CANDIDATES = 3;

    private final SessionEngine engine;
    private final HttpServletRequest request;
    private final HttpServletResponse response;
    int depth;
    private boolean resolved;
    private String requestedId;
    private boolean requestedValid;
    /** Whether {@link #requestedId} came from {@code sessionfilter.idHeader} rather than the cookie. */
    private boolean requestedFromHeader;
    private RedisHttpSession current;
    private boolean asyncListening;
    private String[] pendingCookie;
    private java.util.Map<Object, Runnable> beforeCommit;

    RequestSessions(SessionEngine engine, HttpServletRequest request, HttpServletResponse response) {
        this.engine = engine;
        this.request = request;
        this.response = response;
        this.requestedId = null;
    }

    /** Whether one of our wrappers is already in this request's wrapper chain. */
    boolean wraps(jakarta.servlet.ServletRequest req) {
        while (req instanceof jakarta.servlet.ServletRequestWrapper w) {
            if (req instanceof Request r && r.owner() == this) {
                return true;
            }
            req = w.getRequest();
        }
        return false;
    }

    HttpServletRequest wrap(HttpServletRequest req) {
        return new Request(req);
    }

    HttpServletResponse wrap(HttpServletResponse resp) {
        return new Response(resp);
    }

    // ---- session lookup ----------------------------------------------------------------------------------

    private synchronized void resolve() {
        if (resolved) {
            return;
        }
        List<String> candidates = new ArrayList<>(1);
        String header = engine.config.idHeader();
        String fromHeader = header == null ? null : request.getHeader(header);
        if (fromHeader != null && SessionEngine.wellFormedId(fromHeader)) {
            candidates.add(fromHeader); // the header wins over a cookie: it is what an API client sends on purpose
        } else {
            fromHeader = null;
        }
        Cookie[] cookies = engine.config.cookie().enabled() ? request.getCookies() : null;
        String name = cookieName();
        if (cookies != null) {
            for (Cookie c : cookies) {
                if (name.equals(c.getName()) && SessionEngine.wellFormedId(c.getValue())
                        && !candidates.contains(c.getValue()) && candidates.size() < MAX_CANDIDATES) {
                    candidates.add(c.getValue());
                }
            }
        }
        resolved = true; // before loading: a failed load is not retried within the request
        if (!candidates.isEmpty()) {
            requestedId = candidates.get(0);
            requestedFromHeader = fromHeader != null;
        }
        if (candidates.isEmpty() && engine.config.importContainerSessions() && request.getRequestedSessionId() != null) {
            importContainerSession();
            return;
        }
        for (String id : candidates) {
            RedisHttpSession s = engine.load(id);
            if (s != null) {
                requestedId = id;
                requestedFromHeader = id.equals(fromHeader);
                requestedValid = true;
                current = s;
                if (PathPatterns.matches(engine.config.noTouch(), request)) {
                    s.noTouch();
                }
                s.onInvalidate(this::invalidated);
                return;
            }
        }
    }

    /**
     * Rollout without logout: the request carries the container's session cookie and none of ours (a user
     * logged in before the filter was added). The container's session, if it still lives, becomes a new
     * session of ours with every attribute the codec accepts (the others are named once in the log), and is
     * then invalidated, so it is copied once.
     */
    private void importContainerSession() {
        jakarta.servlet.http.HttpSession container;
        try {
            container = request.getSession(false);
        } catch (IllegalStateException e) {
            return;
        }
        if (container == null || response.isCommitted()) {
            return;
        }
        List<String> names;
        try {
            names = java.util.Collections.list(container.getAttributeNames());
        } catch (IllegalStateException e) {
            return; // invalidated meanwhile
        }
        current = engine.create();
        current.onInvalidate(this::invalidated);
        writeCookie(current.getId(), false);
        engine.listeners.created(current);
        List<String> skipped = new ArrayList<>();
        for (String name : names) {
            Object value = container.getAttribute(name);
            if (value == null) {
                continue;
            }
            try {
                current.setAttribute(name, value);
            } catch (IllegalArgumentException e) {
                skipped.add(name + " (" + value.getClass().getName() + ")");
            }
        }
        engine.stats.imported.increment();
        if (!skipped.isEmpty()) {
            engine.warnOnce("import:" + skipped, current.key(), "a container session was imported without the "
                    + "attributes the codec refuses: " + skipped + " (add their classes to sessionfilter.serialization.allow)");
        }
        try {
            container.invalidate();
        } catch (IllegalStateException e) {
            // ended by another request meanwhile: the copy stands
        }
    }

    synchronized HttpSession getSession(boolean create) {
        if (current != null && current.isValid()) {
            return current;
        }
        if (current == null) {
            resolve();
            if (current != null) {
                return current;
            }
        }
        if (!create) {
            return null;
        }
        if (response.isCommitted()) {
            throw new IllegalStateException("cannot create a session after the response has been committed");
        }
        current = engine.create();
        current.onInvalidate(this::invalidated);
        writeCookie(current.getId(), false);
        engine.listeners.created(current);
        return current;
    }

    synchronized String changeSessionId() {
        HttpSession s = getSession(false);
        if (s == null) {
            throw new IllegalStateException("there is no session associated with this request");
        }
        if (response.isCommitted()) {
            // The new id could not reach the client: refuse before anything changes in Redis.
            throw new IllegalStateException("cannot change the session id after the response has been committed");
        }
        String newId = engine.newId();
        if (engine.config.principalAttribute() == null && engine.config.sessionLimit().enabled()) {
            String user = remoteUser();
            if (user != null) {
                // A container login then the id change, as session-fixation advice has it: the limit is
                // checked here, where the app can catch a refusal.
                engine.evict(current.principal(user));
            }
        }
        try {
            current.changeId(newId);
        } catch (dev.sessionfilter.SessionLimitExceededException e) {
            throw e; // the session is as it was
        } catch (IllegalStateException e) {
            invalidated(); // invalidated elsewhere meanwhile: the browser's cookie names a dead session
            throw e;
        }
        writeCookie(newId, false);
        return newId;
    }

    /** The session died in this request: clear the browser's cookie (or never send the one queued). */
    private synchronized void invalidated() {
        if (requestedId != null) {
            writeCookie("", true);
        } else {
            pendingCookie = null;
        }
    }

    synchronized boolean isRequestedSessionIdValid() {
        resolve();
        return requestedValid && current != null && current.isValid() && current.getId().equals(requestedId);
    }

    synchronized String requestedSessionId() {
        resolve();
        return requestedId;
    }

    synchronized boolean requestedFromHeader() {
        resolve();
        return requestedFromHeader;
    }

    @Override
    public HttpSession session(boolean create) {
        return getSession(create);
    }

    @Override
    public HttpServletRequest request() {
        return new Request(request);
    }

    @Override
    @SuppressWarnings("unchecked")
    public synchronized <T extends Runnable> T beforeCommit(Object owner, java.util.function.Supplier<T> hook) {
        if (beforeCommit == null) {
            beforeCommit = new java.util.LinkedHashMap<>();
        }
        return (T) beforeCommit.computeIfAbsent(owner, o -> hook.get());
    }

    /** Writes the session's changes; called once the request (or its async work) is done. */
    synchronized void commit() {
        if (beforeCommit != null) {
            for (Runnable hook : beforeCommit.values()) {
                Listeners.run(hook);
            }
        }
        RedisHttpSession s = current;
        flushCookie();
        if (s != null && s.isValid()) {
            if (engine.config.principalAttribute() == null) {
                String user = remoteUser();
                if (user != null) {
                    try {
                        engine.evict(s.principal(user)); // a no-op when it is the stored one
                    } catch (dev.sessionfilter.SessionLimitExceededException e) {
                        // A container login past the limit, seen only now: the app had no call to catch it in.
                        engine.warnOnce("limit", s.key(), "a container login past sessionfilter.maxSessionsPerPrincipal "
                                + "(policy refuse) was noticed at the end of its request; its session is invalidated");
                        s.invalidateHere();
                        return;
                    }
                }
            }
            s.commit();
            s.afterCommit();
        }
    }

    /** The container's authenticated user; never cleared by a request without one (not every URL is protected). */
    private String remoteUser() {
        try {
            return request.getRemoteUser();
        } catch (IllegalStateException e) {
            return null; // a recycled request after an async timeout
        }
    }

    /**
     * Commits before the response goes out, so a client acting on it (following a redirect, say) always
     * finds the session saved. Once the response is committed the client has it already: later flushes do
     * nothing here (the end of the request commits what changed since), so a streaming page does not
     * re-encode its session on every flush. When Redis is unavailable in {@code fail} mode and the
     * response is still uncommitted, the failure propagates and the filter answers 503, rather than a
     * redirect going out with the login unsaved.
     */
    void commitBeforeResponse() {
        if (response.isCommitted()) {
            return;
        }
        flushCookie();
        commit();
    }

    /**
     * Before an async request completes or dispatches: like {@link #commitBeforeResponse}, but a Redis
     * outage in {@code fail} mode is answered with the 503 right here (there is no filter frame left to do
     * it, and the async work must still complete).
     *
     * @return false when the 503 was written instead
     */
    boolean commitBeforeAsyncResponse() {
        try {
            commitBeforeResponse();
            return true;
        } catch (RedisUnavailableException e) {
            try {
                if (engine.answerUnavailable(e, response)) {
                    return false;
                }
            } catch (IOException io) {
                e.addSuppressed(io);
            }
            SessionEngine.LOG.log(Level.WARNING, engine.config.namespace()
                    + " - session could not be saved before an async response: " + e.getMessage());
            return true;
        }
    }

    /** For callbacks that run once the response is complete (async): nothing left to answer, so log. */
    void commitAfterResponse() {
        try {
            flushCookie();
            commit();
        } catch (RedisUnavailableException e) {
            SessionEngine.LOG.log(Level.WARNING, engine.config.namespace()
                    + " - session could not be saved after an async request: " + e.getMessage());
        }
    }

    void listenForAsync(HttpServletRequest raw) {
        synchronized (this) {
            if (asyncListening) {
                return;
            }
            asyncListening = true;
        }
        raw.getAsyncContext().addListener(new AsyncCommit(this));
    }

    /**
     * Saves the session when an async request completes. A named class with a public no-argument
     * constructor: WildFly registers every AsyncListener class of a deployment as an EE component and logs a
     * warning for one it cannot construct (an anonymous class).
     */
    public static final class AsyncCommit implements AsyncListener {
        private final RequestSessions sessions;

        public AsyncCommit() {
            this(null);
        }

        AsyncCommit(RequestSessions sessions) {
            this.sessions = sessions;
        }

        @Override
        public void onComplete(AsyncEvent event) {
            // A backstop: complete() and dispatch() through our AsyncContext already committed.
            if (sessions != null) {
                sessions.commitAfterResponse();
            }
        }

        @Override
        public void onTimeout(AsyncEvent event) {
            // completion follows
        }

        @Override
        public void onError(AsyncEvent event) {
            // completion follows
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
            event.getAsyncContext().addListener(this);
        }
    }

    // ---- cookies -----------------------------------------------------------------------------------------

    private boolean secureCookie() {
        return engine.config.cookie().isSecure(request.isSecure());
    }

    private String cookieName() {
        return engine.config.cookie().nameFor(secureCookie());
    }

    /**
     * Queues the session cookie; it is added when output starts or the request ends, so a request that
     * creates a session and then changes its id sends one Set-Cookie, not two.
     */
    private void writeCookie(String value, boolean clear) {
        pendingCookie = new String[] {value, clear ? "clear" : null};
        if (response.isCommitted()) {
            flushCookie();
        }
    }

    /** Adds the queued cookie (and the id header, when configured) to the response, if any. */
    synchronized void flushCookie() {
        String[] pending = pendingCookie;
        if (pending == null) {
            return;
        }
        pendingCookie = null;
        String value = pending[0];
        boolean clear = pending[1] != null;
        if (response.isCommitted()) {
            SessionEngine.LOG.log(Level.WARNING, engine.config.namespace()
                    + " - response already committed: the session cookie could not be " + (clear ? "cleared" : "set"));
            return;
        }
        String header = engine.config.idHeader();
        if (header != null) {
            response.setHeader(header, clear ? "" : value); // empty: the client forgets the id
        }
        SessionConfig.CookieConfig c = engine.config.cookie();
        if (!response.containsHeader("Cache-Control")) {
            response.setHeader("Cache-Control", "no-store"); // a response naming a session id is never cached
        }
        if (!c.enabled()) {
            return;
        }
        StringBuilder sb = new StringBuilder(cookieName()).append('=').append(value)
                .append("; Path=").append(c.path());
        if (c.domain() != null) {
            sb.append("; Domain=").append(c.domain());
        }
        if (clear) {
            sb.append("; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT");
        }
        if (secureCookie()) {
            sb.append("; Secure");
        }
        sb.append("; HttpOnly; SameSite=").append(c.sameSite());
        response.addHeader("Set-Cookie", sb.toString());
    }

    // ---- wrappers ----------------------------------------------------------------------------------------

    private final class Request extends HttpServletRequestWrapper {
        Request(HttpServletRequest request) {
            super(request);
        }

        RequestSessions owner() {
            return RequestSessions.this;
        }

        @Override
        public HttpSession getSession(boolean create) {
            return RequestSessions.this.getSession(create);
        }

        @Override
        public HttpSession getSession() {
            return RequestSessions.this.getSession(true);
        }

        @Override
        public String changeSessionId() {
            return RequestSessions.this.changeSessionId();
        }

        @Override
        public boolean isRequestedSessionIdValid() {
            return RequestSessions.this.isRequestedSessionIdValid();
        }

        @Override
        public String getRequestedSessionId() {
            return requestedSessionId();
        }

        @Override
        public boolean isRequestedSessionIdFromCookie() {
            return requestedSessionId() != null && !requestedFromHeader();
        }

        @Override
        public boolean isRequestedSessionIdFromURL() {
            return false;
        }

        /** Servlet 4.0's deprecated spelling (the javax build): the container's answer would be about its own id. */
        @Deprecated
        public boolean isRequestedSessionIdFromUrl() {
            return false;
        }

        @Override
        public AsyncContext startAsync() {
            // Keep our wrappers in the async context so async work sees the same session.
            return startAsync(this, wrappedResponse != null ? wrappedResponse : response);
        }

        @Override
        public AsyncContext startAsync(jakarta.servlet.ServletRequest req, jakarta.servlet.ServletResponse resp) {
            AsyncContext real = super.startAsync(req, resp);
            async = new SavingAsyncContext(real, RequestSessions.this);
            return async;
        }

        @Override
        public AsyncContext getAsyncContext() {
            AsyncContext real = super.getAsyncContext();
            return async != null && async.wraps(real) ? async : real;
        }
    }

    private SavingAsyncContext async;

    private HttpServletResponse wrappedResponse;

    private final class Response extends HttpServletResponseWrapper {
        private ServletOutputStream out;
        private PrintWriter writer;
        private long written;
        private boolean overflowed;
        private long declaredLength = -1;

        Response(HttpServletResponse response) {
            super(response);
            wrappedResponse = this;
        }

        @Override
        public String encodeURL(String url) {
            return url; // never ;jsessionid=
        }

        @Override
        public String encodeRedirectURL(String url) {
            return url;
        }

        /** Servlet 4.0's deprecated spellings (the javax build): never ;jsessionid= either. */
        @Deprecated
        public String encodeUrl(String url) {
            return url;
        }

        @Deprecated
        public String encodeRedirectUrl(String url) {
            return url;
        }

        @Override
        public void sendError(int sc) throws IOException {
            commitBeforeResponse();
            super.sendError(sc);
        }

        @Override
        public void sendError(int sc, String msg) throws IOException {
            commitBeforeResponse();
            super.sendError(sc, msg);
        }

        @Override
        public void sendRedirect(String location) throws IOException {
            commitBeforeResponse();
            super.sendRedirect(location);
        }

        // Servlet 6.1 overloads (Tomcat 11, WildFly 39): declared without @Override since we compile against
        // 6.0; on a 6.1 container they override the wrapper's, so the session is saved first there too.
        public void sendRedirect(String location, boolean clearBuffer) throws IOException {
            commitBeforeResponse();
            Servlet61.sendRedirect(getResponse(), location, 302, clearBuffer);
        }

        public void sendRedirect(String location, int sc) throws IOException {
            commitBeforeResponse();
            Servlet61.sendRedirect(getResponse(), location, sc, true);
        }

        public void sendRedirect(String location, int sc, boolean clearBuffer) throws IOException {
            commitBeforeResponse();
            Servlet61.sendRedirect(getResponse(), location, sc, clearBuffer);
        }

        @Override
        public void setContentLength(int len) {
            declaredLength = len;
            super.setContentLength(len);
        }

        @Override
        public void setContentLengthLong(long len) {
            declaredLength = len;
            super.setContentLengthLong(len);
        }

        @Override
        public void setHeader(String name, String value) {
            contentLengthHeader(name, value);
            super.setHeader(name, value);
        }

        @Override
        public void addHeader(String name, String value) {
            contentLengthHeader(name, value);
            super.addHeader(name, value);
        }

        @Override
        public void setIntHeader(String name, int value) {
            contentLengthHeader(name, Integer.toString(value));
            super.setIntHeader(name, value);
        }

        private void contentLengthHeader(String name, String value) {
            if ("Content-Length".equalsIgnoreCase(name)) {
                try {
                    declaredLength = Long.parseLong(value.trim());
                } catch (RuntimeException e) {
                    declaredLength = -1;
                }
            }
        }

        @Override
        public void flushBuffer() throws IOException {
            commitBeforeResponse();
            super.flushBuffer();
        }

        @Override
        public ServletOutputStream getOutputStream() throws IOException {
            if (out == null) {
                out = new Output(super.getOutputStream());
            }
            return out;
        }

        @Override
        public PrintWriter getWriter() throws IOException {
            if (writer == null) {
                Charset cs;
                try {
                    cs = Charset.forName(getCharacterEncoding());
                } catch (RuntimeException e) {
                    cs = StandardCharsets.ISO_8859_1;
                }
                PrintWriter real = super.getWriter();
                // Count through our stream's logic by wrapping the container's writer.
                writer = new PrintWriter(new CountingWriter(real, cs), false);
            }
            return writer;
        }

        /**
         * Before the container sends bytes, save the session: the client may act on them. The container
         * sends when its buffer fills or, with a declared Content-Length, when that many bytes are written
         * (Undertow completes the response right then), whichever comes first.
         */
        void beforeWrite(long n) {
            if (pendingCookie != null) {
                flushCookie();
            }
            written += n;
            if (!overflowed && (written >= Math.max(1, getBufferSize())
                    || (declaredLength >= 0 && written >= declaredLength))) {
                overflowed = true;
                commitBeforeResponse();
            }
        }

        private final class Output extends ServletOutputStream {
            private final ServletOutputStream delegate;

            Output(ServletOutputStream delegate) {
                this.delegate = delegate;
            }

            @Override
            public boolean isReady() {
                return delegate.isReady();
            }

            @Override
            public void setWriteListener(WriteListener listener) {
                delegate.setWriteListener(listener);
            }

            @Override
            public void write(int b) throws IOException {
                beforeWrite(1);
                delegate.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                beforeWrite(len);
                delegate.write(b, off, len);
            }

            @Override
            public void flush() throws IOException {
                commitBeforeResponse();
                delegate.flush();
            }

            @Override
            public void close() throws IOException {
                commitBeforeResponse();
                delegate.close();
            }
        }

        /**
         * Counts the bytes the container's writer will produce: exactly for UTF-8 (an average would let CJK
         * or emoji pages fill the buffer unnoticed), at the charset's maximum otherwise, so the session is
         * saved no later than the container sends.
         */
        private final class CountingWriter extends java.io.Writer {
            private final PrintWriter delegate;
            private final boolean utf8;
            private final float maxBytesPerChar;

            CountingWriter(PrintWriter delegate, Charset cs) {
                this.delegate = delegate;
                this.utf8 = StandardCharsets.UTF_8.equals(cs);
                this.maxBytesPerChar = cs.newEncoder().maxBytesPerChar();
            }

            private long bytes(CharSequence s, int off, int len) {
                if (!utf8) {
                    return (long) Math.ceil(len * (double) maxBytesPerChar);
                }
                long n = 0;
                for (int i = off; i < off + len; i++) {
                    char c = s.charAt(i);
                    n += c < 0x80 ? 1 : c < 0x800 || Character.isSurrogate(c) ? 2 : 3; // a surrogate pair: 4
                }
                return n;
            }

            @Override
            public void write(char[] cbuf, int off, int len) {
                beforeWrite(bytes(java.nio.CharBuffer.wrap(cbuf), off, len));
                delegate.write(cbuf, off, len);
            }

            @Override
            public void write(String str, int off, int len) {
                beforeWrite(bytes(str, off, len));
                delegate.write(str, off, len);
            }

            @Override
            public void flush() {
                commitBeforeResponse();
                delegate.flush();
            }

            @Override
            public void close() {
                commitBeforeResponse();
                delegate.close();
            }
        }
    }

}
