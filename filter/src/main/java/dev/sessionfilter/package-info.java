/**
 * The entry points a user names in {@code web.xml}: {@link dev.sessionfilter.SessionFilter} today; the
 * rate-limit filter and health servlet join them. Everything else lives in sub-packages and is not API.
 */
package dev.sessionfilter;
