/**
 * The times a singleton's lease runs on, all derived from its TTL (ms), so
 * one setting (`lease: { ttl }`) is enough:
 *
 * - the holder renews every `ttl / 3`;
 * - a holder that has had no renewal confirmed for `2 ttl / 3` (counted from
 *   when the last confirmed write was sent) gives the lease up and stops its
 *   agent within the `ttl / 3` left before the key could expire on the server;
 * - a replica without the lease looks at it every `min(ttl / 10, 500 ms)`, so
 *   a released lease is taken within half a second and an expired one within
 *   a tenth of the TTL;
 * - replicas announce themselves every `ttl / 3` too (the balance rule counts them).
 */
export interface LeaseTiming {
  readonly ttl: number;
  /** How often the holder renews. */
  readonly renewEvery: number;
  /** No renewal confirmed for this long since the last confirmed write was sent: the holder gives up. */
  readonly giveUpAfter: number;
  /** How often a replica without the lease reads it (and takes it when free). */
  readonly pollEvery: number;
}

/** The smallest lease TTL accepted (ms): below it, one slow turn of the event loop would cost the lease. */
export const MIN_LEASE_TTL = 1_000;

/** Default lease TTL (ms): `lease: { ttl: 10s }`. */
export const DEFAULT_LEASE_TTL = 10_000;

/** The {@link LeaseTiming} of a TTL (ms). */
export function leaseTiming(ttl: number): LeaseTiming {
  return Object.freeze({
    ttl,
    renewEvery: Math.floor(ttl / 3),
    giveUpAfter: Math.floor((2 * ttl) / 3),
    pollEvery: Math.min(Math.floor(ttl / 10), 500),
  });
}
