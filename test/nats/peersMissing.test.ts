import { describe, expect, it, vi } from "vitest";
import { createNatsBus } from "../../src/nats/createNatsBus.js";
import { createNatsCoordinator } from "../../src/nats/createNatsCoordinator.js";
import type * as Peers from "../../src/nats/natsPeers.js";

// The peers' loader sees @nats-io/jetstream and @nats-io/kv as not installed; the client is there.
vi.mock("../../src/nats/natsPeers.js", async (importOriginal) => {
  const actual = await importOriginal<typeof Peers>();
  const importer: Peers.PeerImporter = (peer) =>
    peer === "@nats-io/transport-node" ? Promise.resolve({}) : Promise.reject(Object.assign(new Error(`Cannot find package '${peer}'`), { code: "ERR_MODULE_NOT_FOUND" }));
  return { ...actual, requireNatsPeers: (where: string, peers: readonly Peers.NatsPeer[]) => actual.requireNatsPeers(where, peers, importer) };
});

describe("the NATS entry without @nats-io/jetstream and @nats-io/kv", () => {
  it("createNatsCoordinator rejects with PEER_MISSING naming them, before it connects", async () => {
    await expect(createNatsCoordinator({ servers: "nats://127.0.0.1:1" })).rejects.toMatchObject({
      name: "NatsError",
      code: "PEER_MISSING",
      message: expect.stringContaining("@nats-io/jetstream and @nats-io/kv cannot be found") as unknown,
    });
  });

  it("createNatsBus does not need them: it goes on to connect (here to a port nobody listens on)", async () => {
    await expect(createNatsBus({ servers: "nats://127.0.0.1:1", reconnect: false })).rejects.toMatchObject({ name: "NatsError", code: "CONNECT_FAILED" });
  });

  it("checks options before the peers: a bad option is still INVALID_OPTION", async () => {
    await expect(createNatsCoordinator({ servers: "nats://127.0.0.1:1" }, { bucket: "no spaces" })).rejects.toMatchObject({ code: "INVALID_OPTION" });
  });
});
