/**
 * Settings: the catalog of {@code sessionfilter.*} names, the lookup chain (system property, environment,
 * init-param, context-param, default) and validation that reports every bad setting at once.
 */
package dev.sessionfilter.config;
