package dev.sessionfilter.cdi.app;

import jakarta.enterprise.context.SessionScoped;

import java.io.Serializable;

/** Only in the WAR that must fail to deploy: an Object field cannot be restored as what it held. */
@SessionScoped
public class BadBean implements Serializable {
    private static final long serialVersionUID = 1L;
    private Object anything;

    public Object anything() {
        return anything;
    }
}
