package dev.sessionfilter.store;

/** Connection pool state summed over every node's pool: borrowed, idle, and threads waiting for one. */
public record PoolFigures(int active, int idle, int waiting) {
}
