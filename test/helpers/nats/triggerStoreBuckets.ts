import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { createNatsTriggerStore } from "../../../src/nats/createNatsTriggerStore.js";
import type { NatsTriggerStore } from "../../../src/nats/NatsTriggerStore.js";
import type { NatsTriggerStoreOptions } from "../../../src/nats/NatsTriggerStoreOptions.js";
import { uniqueToken } from "./natsServer.js";
import type { NatsSuite } from "./natsSuite.js";

/** Remove the bucket `bucket` (its stream) from the server at `url`; false when it did not exist. */
export async function removeBucket(url: string, bucket: string): Promise<boolean> {
  const connection = await connect({ servers: url });
  try {
    const manager = await jetstreamManager(connection);
    return await manager.streams.delete(`KV_${bucket}`).catch(() => false);
  } finally {
    await connection.close();
  }
}

/** A bucket name of its own, removed after the test (the cleanups run last first, so this one runs after the stores closed). */
export function freshBucket(suite: NatsSuite, label = "triggers"): string {
  const bucket = uniqueToken(label);
  suite.cleanups.unshift(() => removeBucket(suite.url, bucket));
  return bucket;
}

/** A NATS trigger store on `bucket`, on its own connection, closed after the test. */
export async function storeOn(suite: NatsSuite, bucket: string, options: NatsTriggerStoreOptions = {}): Promise<NatsTriggerStore> {
  const store = await createNatsTriggerStore({ servers: suite.url }, { bucket, ...options });
  suite.cleanups.push(() => store.close());
  return store;
}
