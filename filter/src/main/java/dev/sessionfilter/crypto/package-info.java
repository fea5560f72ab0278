/**
 * Encryption at rest: loading and rotating the Tink AEAD keyset, and sealing values bound to where they live
 * in Redis. Users choose the keyset only; algorithms, nonces and formats are fixed here.
 */
package dev.sessionfilter.crypto;
