package dev.sessionfilter.cdi.app;

import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.SessionScoped;
import jakarta.inject.Inject;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** A plain @SessionScoped bean, as applications write them: nothing sessionfilter-specific in it. */
@SessionScoped
public class Cart implements Serializable {
    private static final long serialVersionUID = 1L;
    /** Per JVM: @PostConstruct calls, and the items each @PreDestroy saw. */
    static final AtomicInteger CONSTRUCTED = new AtomicInteger();
    static final List<String> DESTROYED = new CopyOnWriteArrayList<>();

    @Inject
    Pricing pricing;

    private final List<String> items = new ArrayList<>();
    private int total;
    private String createdBy;
    private transient int usesInThisRequest;

    @PostConstruct
    void init() {
        CONSTRUCTED.incrementAndGet();
        createdBy = System.getProperty("test.instance", "?");
    }

    @PreDestroy
    void destroyed() {
        DESTROYED.add(String.join("+", items) + "@" + createdBy);
    }

    public void add(String item) {
        items.add(item);
        total += pricing.price(item);
        usesInThisRequest++;
    }

    public List<String> items() {
        usesInThisRequest++;
        return List.copyOf(items);
    }

    public int total() {
        return total;
    }

    public String createdBy() {
        return createdBy;
    }

    public int usesInThisRequest() {
        return usesInThisRequest;
    }

    /** The instance behind the proxy, for identity checks. */
    public Cart self() {
        return this;
    }
}
