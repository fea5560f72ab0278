/**
 * Internal use only: code the modules share that users should not call (the shared connection registry,
 * the key tool). Not exported; may change in any release.
 */
package dev.sessionfilter.internal;
