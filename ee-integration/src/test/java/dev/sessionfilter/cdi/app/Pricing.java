package dev.sessionfilter.cdi.app;

import jakarta.enterprise.context.ApplicationScoped;

@ApplicationScoped
public class Pricing {
    public int price(String item) {
        return item.length();
    }
}
