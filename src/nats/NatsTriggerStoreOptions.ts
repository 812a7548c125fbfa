import { hostname } from "node:os";
import { OptionCheck } from "../check.js";
import type { Duration } from "../duration.js";
import { ConfigError } from "../errors/ConfigError.js";
import { DEFAULT_TRIGGER_BUCKET } from "./kvBuckets.js";

/** Options of `createNatsTriggerStore`. */
export interface NatsTriggerStoreOptions {
  /**
   * The JetStream key-value bucket holding trigger state, created when
   * missing (file storage, no max age, one value per key). Orchestrators that
   * share a schedule use the same bucket. An existing bucket is checked: one
   * with a max age, or memory storage, is refused (`BUCKET_MISCONFIGURED`).
   * @default "ao-triggers"
   */
  bucket?: string;
  /**
   * Where JetStream keeps the bucket. `memory` forgets every record when the
   * server restarts: for tests only, and only when asked for here.
   * @default "file"
   */
  storage?: "file" | "memory";
  /**
   * Copies of the bucket in a JetStream cluster (1, 3 or 5), applied when the
   * bucket is created; an existing bucket with fewer is refused.
   * @default 1
   */
  replicas?: number;
  /**
   * This orchestrator instance's name: the orchestrator writes it into the
   * `begin` of each slot it runs, so the bucket shows who runs what.
   * @default "<hostname>:<pid>"
   */
  instance?: string;
  /**
   * How long one JetStream request may take (bucket set-up, one read, one write).
   * @default "5s"
   */
  timeout?: Duration;
}

/** {@link NatsTriggerStoreOptions} checked, with defaults filled in (durations in ms). */
export interface ResolvedNatsTriggerStoreOptions {
  readonly bucket: string;
  readonly storage: "file" | "memory";
  readonly replicas: number;
  readonly instance: string;
  readonly timeout: number;
}

const KNOWN = ["bucket", "storage", "replicas", "instance", "timeout"] as const;

/**
 * Check the options of `createNatsTriggerStore` and fill in the defaults.
 *
 * @throws ConfigError `INVALID_OPTION` naming the option, the bad value and what was expected
 */
export function resolveNatsTriggerStoreOptions(options: NatsTriggerStoreOptions): ResolvedNatsTriggerStoreOptions {
  const check = new OptionCheck("createNatsTriggerStore", (message, path, value) => new ConfigError(message, { path, value, code: "INVALID_OPTION" }));
  const fail = (key: string, value: unknown, what: string): Error => check.error(key, what, value);
  const given = check.object(options);
  check.knownKeys(given, KNOWN);
  const { bucket = DEFAULT_TRIGGER_BUCKET, storage = "file", replicas = 1, instance = `${hostname()}:${process.pid}`, timeout = "5s" } = given;
  if (typeof bucket !== "string" || !/^[-\w]+$/.test(bucket)) throw fail("bucket", bucket, 'a bucket name of A-Z a-z 0-9 _ - such as "ao-triggers"');
  if (storage !== "file" && storage !== "memory") throw fail("storage", storage, '"file" or "memory"');
  if (replicas !== 1 && replicas !== 3 && replicas !== 5) throw fail("replicas", replicas, "1, 3 or 5");
  if (typeof instance !== "string" || instance.trim() === "" || instance.length > 256) throw fail("instance", instance, "a non-empty string of at most 256 characters");
  const timeoutMs = check.optionalDuration(timeout, "timeout", 'a positive duration such as "5s" or 5000') as number;
  return { bucket, storage, replicas, instance, timeout: timeoutMs };
}
