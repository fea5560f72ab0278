package dev.sessionfilter.sample.cdi;

import jakarta.enterprise.context.SessionScoped;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * A plain {@code @SessionScoped} bean. With sessionfilter-ee in WEB-INF/lib its state lives in the Redis
 * session, so it follows the user to every instance; nothing in this class knows.
 */
@SessionScoped
public class WishList implements Serializable {
    private static final long serialVersionUID = 1L;
    private final List<String> items = new ArrayList<>();

    public void add(String item) {
        if (item != null && !item.isBlank() && items.size() < 20) {
            items.add(item.trim());
        }
    }

    public List<String> items() {
        return List.copyOf(items);
    }
}
