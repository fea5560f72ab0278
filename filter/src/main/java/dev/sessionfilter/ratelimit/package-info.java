/**
 * Distributed rate limiting: limit strings, the one-script sliding-window log in Redis (Redis' clock), the
 * per-instance fallback, client identification behind trusted proxies, and the filter's engine.
 */
package dev.sessionfilter.ratelimit;
