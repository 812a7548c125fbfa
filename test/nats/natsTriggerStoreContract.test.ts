// The store contract of @acme/agent-orchestrator/testing against the NATS trigger store: every store passes it.
// Two stores made with the same `context.name` share a bucket (two orchestrators of a cluster).
import { describe, it } from "vitest";
import { createNatsTriggerStore } from "../../src/nats/createNatsTriggerStore.js";
import { storeContract } from "../../src/testing/storeContract.js";
import { uniqueToken } from "../helpers/nats/natsServer.js";
import { natsSuite } from "../helpers/nats/natsSuite.js";
import { removeBucket } from "../helpers/nats/triggerStoreBuckets.js";

const suite = natsSuite();
/** One bucket per contract name in this run, removed after the test that made it. */
const buckets = new Map<string, string>();

function bucketFor(name: string): string {
  let bucket = buckets.get(name);
  if (bucket === undefined) {
    bucket = uniqueToken(`contract_${name.replace(/[^-\w]/g, "_").slice(0, 40)}`);
    buckets.set(name, bucket);
    const made = bucket;
    suite.cleanups.unshift(async () => {
      buckets.delete(name);
      await removeBucket(suite.url, made);
    });
  }
  return bucket;
}

describe("NatsTriggerStore passes the store contract", () => {
  storeContract(
    async ({ name }) => {
      const store = await createNatsTriggerStore({ servers: suite.url }, { bucket: bucketFor(name), instance: `contract-${name}` });
      suite.cleanups.push(() => store.close());
      return store;
    },
    (name, fn) => it(name, fn),
    { persistence: "shared" },
  );
});
