package dev.sessionfilter.sample;

import jakarta.json.bind.annotation.JsonbCreator;
import jakarta.json.bind.annotation.JsonbProperty;
import jakarta.json.bind.annotation.JsonbTransient;

/**
 * The logged-in user's profile: an immutable application class that relies on the application's own JSON-B
 * annotations (the real {@code jakarta.json.bind.annotation} types, not sessionfilter's private copy):
 * it has no no-argument constructor, so it can only be restored through its {@link JsonbCreator}, and
 * its login-time nonce is {@link JsonbTransient}, so it never reaches Redis (were the annotation ignored,
 * the setter would bring it back on the next request).
 */
public final class Profile {
    private final String user;
    private final String displayName;
    @JsonbTransient
    private String loginNonce;

    @JsonbCreator
    public Profile(@JsonbProperty("user") String user, @JsonbProperty("display") String displayName) {
        this.user = user;
        this.displayName = displayName;
    }

    public String getUser() {
        return user;
    }

    @JsonbProperty("display")
    public String getDisplayName() {
        return displayName;
    }

    public String getLoginNonce() {
        return loginNonce;
    }

    public void setLoginNonce(String loginNonce) {
        this.loginNonce = loginNonce;
    }
}
