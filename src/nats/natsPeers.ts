import { NatsError } from "./NatsError.js";

/** An optional peer dependency of `@acme/agent-orchestrator/nats`. */
export type NatsPeer = "@nats-io/transport-node" | "@nats-io/jetstream" | "@nats-io/kv";

/** The range of the NATS peers in `peerDependencies`. */
export const NATS_PEER_RANGE = "^3.3.1";

/** What the NATS bus loads: the client alone. */
export const BUS_PEERS: readonly NatsPeer[] = ["@nats-io/transport-node"];

/** What the coordinator and the trigger store load: the client, JetStream and its key-value store. */
export const COORDINATOR_PEERS: readonly NatsPeer[] = ["@nats-io/transport-node", "@nats-io/jetstream", "@nats-io/kv"];

/** Imports one peer (the tests pass their own, to play a missing package). */
export type PeerImporter = (peer: NatsPeer) => Promise<unknown>;

/**
 * Each peer's import with a literal specifier, so that both builds keep it an
 * external import resolved from the user's `node_modules` (the ESM build an
 * `import()`, the CommonJS build a `require()` inside a promise).
 */
const importPeer: PeerImporter = (peer) => {
  switch (peer) {
    case "@nats-io/transport-node":
      return import("@nats-io/transport-node");
    case "@nats-io/jetstream":
      return import("@nats-io/jetstream");
    case "@nats-io/kv":
      return import("@nats-io/kv");
  }
};

/**
 * Load `peers` before anything else of the NATS parts is loaded, so that a
 * missing one is our error rather than the runtime's "Cannot find module".
 *
 * @param where - the calling function, for the message
 * @param peers - the packages it needs
 * @param importer - how a peer is imported (the dynamic `import()` by default)
 * @throws NatsError `PEER_MISSING` naming the packages that cannot be found and the `npm install` line;
 *   any other failure to load a peer is rethrown as it is
 */
export async function requireNatsPeers(where: string, peers: readonly NatsPeer[], importer: PeerImporter = importPeer): Promise<void> {
  const results = await Promise.allSettled(peers.map((peer) => importer(peer)));
  const missing: NatsPeer[] = [];
  let cause: unknown;
  for (const [index, result] of results.entries()) {
    if (result.status === "fulfilled") continue;
    if (!isModuleNotFound(result.reason)) throw result.reason;
    missing.push(peers[index] as NatsPeer);
    cause ??= result.reason;
  }
  if (missing.length === 0) return;
  throw new NatsError("PEER_MISSING", peerMissingMessage(where, peers, missing), { cause });
}

/** The words of `PEER_MISSING`: what is missing, what `where` needs, and the line that installs it. */
function peerMissingMessage(where: string, peers: readonly NatsPeer[], missing: readonly NatsPeer[]): string {
  const needs = peers.length === 1 ? `the optional peer dependency ${peers[0]}` : `the optional peer dependencies ${peers.slice(0, -1).join(", ")} and ${peers.at(-1)}`;
  const lost = missing.length === 1 ? `${missing[0]} cannot be found` : `${missing.slice(0, -1).join(", ")} and ${missing.at(-1)} cannot be found`;
  // on Node.js 20 the range's newest (3.4+, whose @nats-io/nuid declares Node.js 22) would not fit: name the 3.3 releases
  const node20 = process.versions.node.startsWith("20.");
  const range = node20 ? "~3.3.1" : NATS_PEER_RANGE;
  const install = peers.map((peer) => `${peer}@${range}`).join(" ");
  const why = node20 ? " (the 3.3 releases: 3.4 and later need Node.js 22)" : "";
  return `${where} needs ${needs}, which @acme/agent-orchestrator does not install for you; ${lost}. Install with: npm install ${install}${why}`;
}

/** Whether `error` is the runtime's "module not found", from `import()` (ESM) or `require()` (CommonJS). */
function isModuleNotFound(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const code = (error as { code?: unknown }).code;
  return code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND";
}
