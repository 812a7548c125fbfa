import { describe, expect, it } from "vitest";
import { NatsError } from "../../src/nats/NatsError.js";
import type { NatsPeer, PeerImporter } from "../../src/nats/natsPeers.js";
import { BUS_PEERS, COORDINATOR_PEERS, requireNatsPeers } from "../../src/nats/natsPeers.js";

/** An importer that finds every peer but `missing`, for which it fails as Node's ESM loader (or CommonJS `require`) does. */
function importerWithout(missing: readonly NatsPeer[], code = "ERR_MODULE_NOT_FOUND"): PeerImporter & { readonly asked: NatsPeer[] } {
  const asked: NatsPeer[] = [];
  const importer = (peer: NatsPeer): Promise<unknown> => {
    asked.push(peer);
    if (!missing.includes(peer)) return Promise.resolve({});
    return Promise.reject(Object.assign(new Error(`Cannot find package '${peer}' imported from /app/node_modules/@acme/agent-orchestrator/dist/nats.js`), { code }));
  };
  return Object.assign(importer, { asked });
}

/** What the install line names on this Node.js: on 20 the 3.3 releases (3.4+ declare Node.js 22), else the peer range. */
const NODE_20 = process.versions.node.startsWith("20.");
const RANGE = NODE_20 ? "~3.3.1" : "^3.3.1";
const WHY = NODE_20 ? " (the 3.3 releases: 3.4 and later need Node.js 22)" : "";

describe("requireNatsPeers", () => {
  it("resolves when every peer loads, asking for the client alone for the bus", async () => {
    const importer = importerWithout([]);
    await requireNatsPeers("createNatsBus", BUS_PEERS, importer);
    expect(importer.asked).toEqual(["@nats-io/transport-node"]);
  });

  it("names the missing client and the npm install line, with the runtime's error as cause (ESM and CommonJS codes)", async () => {
    for (const code of ["ERR_MODULE_NOT_FOUND", "MODULE_NOT_FOUND"]) {
      const failure = requireNatsPeers("createNatsBus", BUS_PEERS, importerWithout(["@nats-io/transport-node"], code));
      await expect(failure).rejects.toBeInstanceOf(NatsError);
      await expect(failure).rejects.toMatchObject({
        code: "PEER_MISSING",
        message:
          "createNatsBus needs the optional peer dependency @nats-io/transport-node, which @acme/agent-orchestrator does not install for you; " +
          `@nats-io/transport-node cannot be found. Install with: npm install @nats-io/transport-node@${RANGE}${WHY}`,
        cause: expect.objectContaining({ code }),
      });
    }
  });

  it("names exactly the coordinator's peers that are missing, and the line that installs all three", async () => {
    const failure = requireNatsPeers("createNatsCoordinator", COORDINATOR_PEERS, importerWithout(["@nats-io/jetstream", "@nats-io/kv"]));
    await expect(failure).rejects.toThrow(
      "createNatsCoordinator needs the optional peer dependencies @nats-io/transport-node, @nats-io/jetstream and @nats-io/kv, which @acme/agent-orchestrator does not install for you; " +
        `@nats-io/jetstream and @nats-io/kv cannot be found. Install with: npm install @nats-io/transport-node@${RANGE} @nats-io/jetstream@${RANGE} @nats-io/kv@${RANGE}${WHY}`,
    );
  });

  it("rethrows a failure that is not a missing module as it is", async () => {
    const broken = new SyntaxError("Unexpected token");
    await expect(requireNatsPeers("createNatsBus", BUS_PEERS, () => Promise.reject(broken))).rejects.toBe(broken);
  });
});
