/**
 * The header that carries a singleton's fencing token (its lease's `token`,
 * as a decimal string) on every message it publishes and every request it
 * sends. The one `Ao-` header a publish may carry on a networked bus.
 */
export const LEASE_TOKEN_HEADER = "Ao-Lease-Token";
