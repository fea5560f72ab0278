package dev.sessionfilter.session;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;

/**
 * The container's AsyncContext, but {@link #complete()} and the {@code dispatch} methods save the session
 * first: a completion listener would only run once the response has left.
 */
final class SavingAsyncContext implements AsyncContext {
    private final AsyncContext delegate;
    private final RequestSessions sessions;

    SavingAsyncContext(AsyncContext delegate, RequestSessions sessions) {
        this.delegate = delegate;
        this.sessions = sessions;
    }

    boolean wraps(AsyncContext other) {
        return delegate == other;
    }

    @Override
    public void complete() {
        sessions.commitBeforeAsyncResponse();
        delegate.complete();
    }

    @Override
    public void dispatch() {
        if (sessions.commitBeforeAsyncResponse()) {
            delegate.dispatch();
        } else {
            delegate.complete(); // the 503 is written: nothing left to dispatch to
        }
    }

    @Override
    public void dispatch(String path) {
        if (sessions.commitBeforeAsyncResponse()) {
            delegate.dispatch(path);
        } else {
            delegate.complete();
        }
    }

    @Override
    public void dispatch(ServletContext context, String path) {
        if (sessions.commitBeforeAsyncResponse()) {
            delegate.dispatch(context, path);
        } else {
            delegate.complete();
        }
    }

    @Override
    public ServletRequest getRequest() {
        return delegate.getRequest();
    }

    @Override
    public ServletResponse getResponse() {
        return delegate.getResponse();
    }

    @Override
    public boolean hasOriginalRequestAndResponse() {
        return delegate.hasOriginalRequestAndResponse();
    }

    @Override
    public void start(Runnable run) {
        delegate.start(run);
    }

    @Override
    public void addListener(AsyncListener listener) {
        delegate.addListener(listener);
    }

    @Override
    public void addListener(AsyncListener listener, ServletRequest request, ServletResponse response) {
        delegate.addListener(listener, request, response);
    }

    @Override
    public <T extends AsyncListener> T createListener(Class<T> clazz) throws ServletException {
        return delegate.createListener(clazz);
    }

    @Override
    public void setTimeout(long timeout) {
        delegate.setTimeout(timeout);
    }

    @Override
    public long getTimeout() {
        return delegate.getTimeout();
    }
}
