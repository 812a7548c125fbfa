import { NatsError } from "./NatsError.js";

/**
 * The keys and values of the lease bucket (`ao-leases`), peer-free so that
 * they can be tested and read without the NATS packages:
 *
 * | key | value |
 * |---|---|
 * | `agents.<agent>` | {@link LeaseValue}: the holder of the agent's lease |
 * | `replicas.<base64url(instance)>` | {@link ReplicaValue}: a live replica |
 */

/** The filter of every replica presence key (`kv.keys(REPLICA_KEYS)`). */
export const REPLICA_KEYS = "replicas.>";

/** Agent names a lease key can hold as they are (a valid KV token). */
const AGENT_NAME = /^[-\w]+$/;

/**
 * The key of the lease of `agent`: `agents.<agent>`.
 *
 * @throws NatsError `INVALID_OPTION` when `agent` is not a name of A-Z a-z 0-9 _ -
 */
export function agentLeaseKey(agent: string, where: string): string {
  if (typeof agent !== "string" || !AGENT_NAME.test(agent)) {
    throw new NatsError("INVALID_OPTION", `${where}: expected an agent name of A-Z a-z 0-9 _ -, got ${JSON.stringify(agent)}`);
  }
  return `agents.${agent}`;
}

/** The presence key of the replica `instance`: `replicas.<base64url of its UTF-8 bytes>` (any name gives a valid KV token). */
export function replicaKey(instance: string): string {
  return `replicas.${Buffer.from(instance, "utf8").toString("base64url")}`;
}

/** What a lease key holds: JSON, for the store and for people running `nats kv get ao-leases agents.<agent>`. */
export interface LeaseValue {
  /** The holding replica's `instance`. */
  readonly holder: string;
  /** The fencing token: absent in the acquiring write (its revision is the token), set by every renewal. */
  readonly token?: number;
  /** When it was written, on the writer's clock (ms since the epoch; for people: expiry counts from the server's time of the write). */
  readonly at: number;
}

/** What a replica presence key holds. */
export interface ReplicaValue {
  /** The replica's `instance`. */
  readonly instance: string;
  /** When it was announced, on its clock (ms since the epoch). */
  readonly at: number;
}

const decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * The {@link LeaseValue} in `data`, or `undefined` when it is not one (not
 * UTF-8, not JSON, or a holder that is not a non-empty string, a token that
 * is not a positive integer): written by another program, and not a lease.
 */
export function decodeLeaseValue(data: Uint8Array): LeaseValue | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoder.decode(data));
  } catch {
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return undefined;
  const { holder, token, at } = parsed as Record<string, unknown>;
  if (typeof holder !== "string" || holder === "") return undefined;
  if (token !== undefined && !(Number.isSafeInteger(token) && (token as number) > 0)) return undefined;
  return { holder, ...(token === undefined ? {} : { token: token as number }), at: typeof at === "number" ? at : 0 };
}

/**
 * How long one request of the lease store may take (ms): the coordinator's
 * `timeout`, but at most half the TTL (a renewal must not wait longer than
 * the lease lasts) and at least 500 ms.
 */
export function leaseRequestTimeout(timeout: number, ttl: number): number {
  return Math.min(timeout, Math.max(500, Math.floor(ttl / 2)));
}
