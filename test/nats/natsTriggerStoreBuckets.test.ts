import { describe, expect, it } from "vitest";
import { bucketMismatches, checkExistingBucket, leaseBucketSpec, triggerBucketSpec } from "../../src/nats/kvBuckets.js";
import type { ExistingBucketConfig } from "../../src/nats/kvBuckets.js";
import { NatsError } from "../../src/nats/NatsError.js";

const NS = 1_000_000;
const fine: ExistingBucketConfig = { max_age: 0, storage: "file", num_replicas: 1, max_msgs: -1, max_bytes: -1, max_msgs_per_subject: 1, discard: "new" };

describe("the bucket settings (kvBuckets)", () => {
  it("asks for trigger state without max age on file storage, and for leases with the lease TTL as max age", () => {
    expect(triggerBucketSpec("ao-triggers", { storage: "file", replicas: 1 })).toMatchObject({ maxAge: 0, storage: "file", history: 1 });
    expect(leaseBucketSpec("ao-leases", 10_000, { storage: "file", replicas: 3 })).toMatchObject({ maxAge: 10_000, storage: "file", history: 1, replicas: 3 });
  });

  it("finds every setting of an existing bucket that breaks it", () => {
    const state = triggerBucketSpec("ao-triggers", { storage: "file", replicas: 3 });
    expect(bucketMismatches(state, { ...fine, num_replicas: 3 })).toEqual([]);
    expect(bucketMismatches(state, { ...fine, max_age: 3_600_000 * NS, storage: "memory", num_replicas: 1, max_msgs: 100, discard: "old" })).toEqual([
      { setting: "max age", value: "1h", needed: "none (0): keys must never expire" },
      { setting: "storage", value: "memory", needed: "file" },
      { setting: "replicas", value: "1", needed: "at least 3" },
      { setting: "max messages", value: "100 with discard old", needed: "no limit (-1), or discard new: the server would drop the oldest keys silently" },
    ]);
    // a limit is harmless with discard new: a full bucket refuses writes loudly
    expect(bucketMismatches(state, { ...fine, num_replicas: 3, max_bytes: 1_000_000, discard: "new" })).toEqual([]);
  });

  it("needs exactly the lease TTL as the lease bucket's max age, and accepts file storage where memory was asked", () => {
    const leases = leaseBucketSpec("ao-leases", 10_000, { storage: "memory", replicas: 1 });
    expect(bucketMismatches(leases, { ...fine, max_age: 10_000 * NS })).toEqual([]);
    expect(bucketMismatches(leases, { ...fine, max_age: 5_000 * NS })).toEqual([{ setting: "max age", value: "5s", needed: "10s (the lease TTL)" }]);
    expect(bucketMismatches(leases, { ...fine, max_age: 0 })).toEqual([{ setting: "max age", value: "none", needed: "10s (the lease TTL)" }]);
  });

  it("refuses a misfit with BUCKET_MISCONFIGURED naming the bucket, the setting, its value, the need and the fix", () => {
    const leases = leaseBucketSpec("ao-leases", 10_000, { storage: "file", replicas: 1 });
    expect(() => checkExistingBucket(leases, { ...fine, max_age: 10_000 * NS }, "where")).not.toThrow();
    let thrown: unknown;
    try {
      checkExistingBucket(leases, { ...fine, max_age: 60_000 * NS }, "createLeases");
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(NatsError);
    expect((thrown as NatsError).code).toBe("BUCKET_MISCONFIGURED");
    expect((thrown as NatsError).message).toBe(
      'createLeases: the existing key-value bucket "ao-leases" (leases) has settings that break it: max age is 1m, needed 10s (the lease TTL). ' +
        "It was created elsewhere, or by an older program: remove it with `nats kv del ao-leases` (its keys are lost) or pick another bucket name, and it is created with the right settings.",
    );
  });
});
