/**
 * Where sessions live: the Redis key schema ({@link dev.sessionfilter.store.SessionKey}), the small
 * {@link dev.sessionfilter.store.RedisApi} seam over Jedis, the Redis store with its one-round-trip load and
 * commit scripts, and the resilient wrapper that fails fast or falls back to memory during an outage.
 * Everything here handles sealed bytes only.
 */
package dev.sessionfilter.store;
