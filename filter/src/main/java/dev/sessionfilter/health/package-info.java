/**
 * What the health servlet answers, apart from the servlet itself: MicroProfile Health checks, the details
 * an authorized caller sees, and the Prometheus text. Not API.
 */
package dev.sessionfilter.health;
