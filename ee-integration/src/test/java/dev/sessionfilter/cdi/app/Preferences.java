package dev.sessionfilter.cdi.app;

import jakarta.enterprise.context.SessionScoped;

import java.io.Serializable;

/** A second session bean: changed concurrently with the cart, each keeps its own change. */
@SessionScoped
public class Preferences implements Serializable {
    private static final long serialVersionUID = 1L;
    private String theme = "light";

    public String theme() {
        return theme;
    }

    public void theme(String theme) {
        this.theme = theme;
    }
}
