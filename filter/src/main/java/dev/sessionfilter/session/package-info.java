/**
 * The HttpSession contract served from a {@link dev.sessionfilter.store.SessionBackend}: the per-request state
 * shared by every dispatch, the request and response wrappers, the session adapter with its lazy decryption
 * and delta commits, the JSON attribute codec with its type allowlist, and listener dispatch.
 */
package dev.sessionfilter.session;
