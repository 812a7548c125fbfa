import { formatDuration } from "../duration.js";
import { NatsError } from "./NatsError.js";

/** Default name of the bucket of trigger state (`createNatsTriggerStore`'s `bucket`). */
export const DEFAULT_TRIGGER_BUCKET = "ao-triggers";

/** Default name of the bucket of leases of singleton agents. */
export const DEFAULT_LEASE_BUCKET = "ao-leases";

/**
 * What a JetStream key-value bucket of the library must be: the settings it is
 * created with, and what an existing bucket is checked against at open
 * ({@link bucketMismatches}). Peer-free data: the NATS packages are loaded
 * only where a bucket is opened (`openKvBucket`).
 *
 * | bucket | default name | max age | storage | history |
 * |---|---|---|---|---|
 * | trigger state | `ao-triggers` | none (state never expires) | file | 1 |
 * | leases | `ao-leases` | the lease TTL (no per-key TTL on nats-server 2.9) | file | 1 |
 */
export interface KvBucketSpec {
  /** What the bucket holds, for messages: `trigger state`, `leases`. */
  readonly purpose: string;
  /** The bucket's name. */
  readonly name: string;
  /** Max age of every key in ms; 0 = keys never expire. An existing bucket must have exactly this. */
  readonly maxAge: number;
  /** Where JetStream keeps it. An existing bucket must have this storage, or `file` (never less durable). */
  readonly storage: "file" | "memory";
  /** Values kept per key (1 is enough for compare-and-set: the revision is the sequence of the last write). */
  readonly history: number;
  /** Copies in a JetStream cluster. An existing bucket must have at least as many. */
  readonly replicas: number;
  /** The bucket's description on the server (for people running `nats kv ls`). */
  readonly description: string;
}

/** Where a bucket is created or checked: storage and replicas, as the caller's options say. */
export interface KvBucketPlacement {
  readonly storage: "file" | "memory";
  readonly replicas: number;
}

/** The bucket of trigger state: no max age (state must never expire), file storage unless tests ask for memory. */
export function triggerBucketSpec(name: string, placement: KvBucketPlacement): KvBucketSpec {
  return {
    purpose: "trigger state",
    name,
    maxAge: 0,
    history: 1,
    ...placement,
    description: "Trigger state of @acme/agent-orchestrator (one key per trigger of an agent); must not expire",
  };
}

/**
 * The bucket of leases: its max age is the lease TTL (the Debian nats-server
 * 2.9 has no per-key TTL), so a key its holder stopped renewing disappears
 * after `ttl` ms.
 */
export function leaseBucketSpec(name: string, ttl: number, placement: KvBucketPlacement): KvBucketSpec {
  return {
    purpose: "leases",
    name,
    maxAge: ttl,
    history: 1,
    ...placement,
    description: `Leases of singleton agents of @acme/agent-orchestrator (one key per agent); max age = lease TTL ${formatDuration(ttl)}`,
  };
}

/**
 * The settings of an existing bucket's stream that {@link bucketMismatches}
 * reads: a subset of JetStream's `StreamConfig` (`max_age` in nanoseconds).
 */
export interface ExistingBucketConfig {
  readonly max_age: number;
  readonly storage: string;
  readonly num_replicas: number;
  readonly max_msgs?: number;
  readonly max_bytes?: number;
  readonly max_msgs_per_subject?: number;
  readonly discard?: string;
}

/** One setting of an existing bucket that breaks what the bucket is for. */
export interface BucketMismatch {
  /** The setting, as `nats stream info` names it. */
  readonly setting: string;
  /** Its value on the server, for people. */
  readonly value: string;
  /** What is needed, for people. */
  readonly needed: string;
}

const NANOS_PER_MS = 1_000_000;

/** A max age for people: `none` for 0. */
function describeMaxAge(ms: number): string {
  return ms === 0 ? "none" : formatDuration(ms);
}

/**
 * What is wrong with an existing bucket for `spec` (empty when nothing):
 * a max age other than the spec's (on the trigger state one would make state
 * expire; on leases a shorter one lets a second holder in early); memory
 * storage where file storage is needed (a server restart forgets everything);
 * fewer replicas than asked; a limit on messages or bytes with `discard: old`
 * (the server would drop the oldest records silently).
 */
export function bucketMismatches(spec: KvBucketSpec, config: ExistingBucketConfig): BucketMismatch[] {
  const found: BucketMismatch[] = [];
  const maxAgeMs = Math.round(config.max_age / NANOS_PER_MS);
  if (maxAgeMs !== spec.maxAge) {
    const needed = spec.maxAge === 0 ? "none (0): keys must never expire" : `${describeMaxAge(spec.maxAge)} (the lease TTL)`;
    found.push({ setting: "max age", value: describeMaxAge(maxAgeMs), needed });
  }
  if (spec.storage === "file" && config.storage !== "file") found.push({ setting: "storage", value: config.storage, needed: "file" });
  if (config.num_replicas < spec.replicas) found.push({ setting: "replicas", value: String(config.num_replicas), needed: `at least ${spec.replicas}` });
  if (config.discard !== "new") {
    for (const [setting, value] of [["max messages", config.max_msgs], ["max bytes", config.max_bytes]] as const) {
      if (value !== undefined && value > 0) found.push({ setting, value: `${value} with discard old`, needed: "no limit (-1), or discard new: the server would drop the oldest keys silently" });
    }
  }
  return found;
}

/**
 * Throw unless the existing bucket's `config` fits `spec`.
 *
 * @param where - the calling function, for the message
 * @throws NatsError `BUCKET_MISCONFIGURED` naming the bucket, each wrong setting, its value, what is needed and how to fix it
 */
export function checkExistingBucket(spec: KvBucketSpec, config: ExistingBucketConfig, where: string): void {
  const mismatches = bucketMismatches(spec, config);
  if (mismatches.length === 0) return;
  const wrong = mismatches.map((m) => `${m.setting} is ${m.value}, needed ${m.needed}`).join("; ");
  throw new NatsError(
    "BUCKET_MISCONFIGURED",
    `${where}: the existing key-value bucket ${JSON.stringify(spec.name)} (${spec.purpose}) has settings that break it: ${wrong}. ` +
      `It was created elsewhere, or by an older program: remove it with \`nats kv del ${spec.name}\` (its keys are lost) or pick another bucket name, and it is created with the right settings.`,
  );
}
