import { hostname } from "node:os";
import { OptionCheck } from "../check.js";
import type { Duration } from "../duration.js";
import { ConfigError } from "../errors/ConfigError.js";
import { DEFAULT_LEASE_BUCKET } from "./kvBuckets.js";

/** Default of {@link NatsCoordinatorOptions.bucket}. */
export const DEFAULT_SLOT_BUCKET = "agent_orchestrator_slots";

/** Options of `createNatsCoordinator`. */
export interface NatsCoordinatorOptions {
  /**
   * The JetStream key-value bucket holding claimed slots, created when missing.
   * Instances that must share slots use the same bucket.
   * @default "agent_orchestrator_slots"
   */
  bucket?: string;
  /**
   * The JetStream key-value bucket holding the leases of singleton agents
   * (`placement: singleton`), created by `openLeases` when missing with the
   * lease TTL as its max age, and this coordinator's `storage` and `replicas`.
   * Replicas that must share singletons use the same bucket.
   * @default "ao-leases"
   */
  leaseBucket?: string;
  /**
   * How long a claimed slot's key lives (the bucket's max age). It must be
   * longer than the largest `misfireGrace` plus the clock skew between
   * instances: an instance that finds a slot after its key expired would
   * claim it again. Applied when the bucket is created.
   * @default "1h"
   */
  ttl?: Duration;
  /**
   * Where JetStream keeps the bucket: `file` survives a server restart, so a
   * slot claimed just before one is not claimed again after it.
   * @default "file"
   */
  storage?: "file" | "memory";
  /**
   * Copies of the bucket in a JetStream cluster (1, 3 or 5). Applied when the bucket is created.
   * @default 1
   */
  replicas?: number;
  /**
   * This instance's name, stored with each slot it claims (for people
   * inspecting the bucket).
   * @default "<hostname>#<pid>"
   */
  instance?: string;
  /**
   * How long a JetStream request (bucket set-up, one claim) may take. A
   * lease request waits at most `max(500 ms, lease ttl / 2)` of it.
   * @default "5s"
   */
  timeout?: Duration;
}

/** {@link NatsCoordinatorOptions} checked, with defaults filled in (durations in ms). */
export interface ResolvedNatsCoordinatorOptions {
  readonly bucket: string;
  readonly leaseBucket: string;
  readonly ttl: number;
  readonly storage: "file" | "memory";
  readonly replicas: number;
  readonly instance: string;
  readonly timeout: number;
}

/**
 * Check the options of `createNatsCoordinator` and fill in the defaults.
 *
 * @throws ConfigError `INVALID_OPTION` naming the option, the bad value and what was expected
 */
export function resolveNatsCoordinatorOptions(options: NatsCoordinatorOptions): ResolvedNatsCoordinatorOptions {
  const check = new OptionCheck("createNatsCoordinator", (message, path, value) => new ConfigError(message, { path, value, code: "INVALID_OPTION" }));
  const fail = (key: string, value: unknown, what: string): Error => check.error(key, what, value);
  const { bucket = DEFAULT_SLOT_BUCKET, leaseBucket = DEFAULT_LEASE_BUCKET, ttl = "1h", storage = "file", replicas = 1, instance = `${hostname()}#${process.pid}`, timeout = "5s" } = check.object(options);
  if (typeof bucket !== "string" || !/^[-\w]+$/.test(bucket)) throw fail("bucket", bucket, "a bucket name of A-Z a-z 0-9 _ - such as \"agent_orchestrator_slots\"");
  if (typeof leaseBucket !== "string" || !/^[-\w]+$/.test(leaseBucket)) throw fail("leaseBucket", leaseBucket, "a bucket name of A-Z a-z 0-9 _ - such as \"ao-leases\"");
  const ttlMs = check.optionalDuration(ttl, "ttl", "a duration of at least one second such as \"1h\" or 3600000", 1_000) as number;
  if (storage !== "file" && storage !== "memory") throw fail("storage", storage, "\"file\" or \"memory\"");
  if (replicas !== 1 && replicas !== 3 && replicas !== 5) throw fail("replicas", replicas, "1, 3 or 5");
  if (typeof instance !== "string" || instance.trim() === "") throw fail("instance", instance, "a non-empty string");
  const timeoutMs = check.optionalDuration(timeout, "timeout", "a positive duration such as \"5s\" or 5000") as number;
  return { bucket, leaseBucket, ttl: ttlMs, storage, replicas, instance, timeout: timeoutMs };
}
