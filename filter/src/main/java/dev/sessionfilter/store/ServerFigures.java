package dev.sessionfilter.store;

import java.util.Map;

/**
 * What an operator wants to know about the Redis behind the sessions, for health details and metrics.
 * Never holds a host, port or INFO's process and build fields.
 *
 * @param info           selected INFO fields; in cluster mode memory and client figures are summed over masters.
 *                       Empty when the ACL user may not run INFO.
 * @param clusterState   {@code cluster_state} of CLUSTER INFO, null unless in cluster mode (or denied)
 * @param clusterSlotsOk {@code cluster_slots_ok}, -1 when unknown
 * @param sessionKeys    approximate count of session keys of the namespace, -1 when unknown
 */
public record ServerFigures(Map<String, String> info, String clusterState, long clusterSlotsOk, long sessionKeys) {
}
