package dev.sessionfilter.sample;

/** A cart line: an application class, allowed in web.xml through sessionfilter.serialization.allow. */
public class CartItem {
    private String name;
    private int quantity;

    public CartItem() {
    }

    public CartItem(String name, int quantity) {
        this.name = name;
        this.quantity = quantity;
    }

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }

    public int getQuantity() {
        return quantity;
    }

    public void setQuantity(int quantity) {
        this.quantity = quantity;
    }
}
