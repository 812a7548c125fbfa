// the /nats entry loads without its optional peers: createNatsBus and createNatsCoordinator reject with NatsError PEER_MISSING (ESM and CJS), and the bus needs only @nats-io/transport-node
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

// Run in the package check's consumer, where the tarball is installed and every peer is linked. Here we
// build two projects of our own, away from it: the package copied (a link would resolve its imports
// from the consumer, peers included) and its real dependencies and required peers linked, with none or
// some of the optional peers.
const name = "@acme/agent-orchestrator";
const installed = realpathSync(join(process.cwd(), "node_modules", ...name.split("/")));
const { dependencies = {}, peerDependencies = {}, peerDependenciesMeta = {} } = JSON.parse(readFileSync(join(installed, "package.json"), "utf8"));
// peers the package always needs (@opentelemetry/api) are there in every project; only the optional ones vary
const required = Object.keys(peerDependencies).filter((peer) => peerDependenciesMeta[peer]?.optional !== true);
const root = mkdtempSync(join(tmpdir(), "ao-nats-peers-"));

function project(dir, peers) {
  const modules = join(root, dir, "node_modules");
  mkdirSync(join(modules, "@acme"), { recursive: true });
  mkdirSync(join(modules, "@nats-io"), { recursive: true });
  cpSync(installed, join(modules, ...name.split("/")), { recursive: true });
  for (const dep of [...Object.keys(dependencies), ...required, ...peers]) {
    const target = join(modules, ...dep.split("/"));
    mkdirSync(dirname(target), { recursive: true });
    symlinkSync(realpathSync(join(process.cwd(), "node_modules", ...dep.split("/"))), target, "dir");
  }
  writeFileSync(join(root, dir, "package.json"), JSON.stringify({ name: dir, private: true, type: "module" }));
  return join(root, dir);
}

// Each check prints one JSON line per factory: the error's name, code and message (or "resolved").
const body = (load) => `
const { createNatsBus, createNatsCoordinator } = ${load};
const out = {};
for (const [what, call] of [["bus", () => createNatsBus({ servers: "nats://127.0.0.1:1", reconnect: false, timeout: 500 })], ["coordinator", () => createNatsCoordinator({ servers: "nats://127.0.0.1:1", reconnect: false, timeout: 500 })]]) {
  try { await call(); out[what] = "resolved"; } catch (error) { out[what] = { name: error.name, code: error.code, message: error.message }; }
}
console.log(JSON.stringify(out));
`;

function run(dir, kind) {
  const file = kind === "esm" ? "check.mjs" : "check.cjs";
  const source = kind === "esm" ? body(`await import("${name}/nats")`) : `(async () => {${body(`require("${name}/nats")`)}})();`;
  writeFileSync(join(dir, file), source);
  const result = spawnSync(process.execPath, [file], { cwd: dir, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`${kind} in ${dir} failed (exit ${result.status}): ${result.stderr}`);
  return JSON.parse(result.stdout.trim().split("\n").pop());
}

function expectMissing(got, where, missing, what) {
  if (got.name !== "NatsError" || got.code !== "PEER_MISSING") throw new Error(`${what}: expected NatsError PEER_MISSING, got ${JSON.stringify(got)}`);
  const lost = missing.length === 1 ? missing[0] : `${missing.slice(0, -1).join(", ")} and ${missing.at(-1)}`;
  for (const text of [where, `${lost} cannot be found`, `npm install @nats-io/transport-node@${process.versions.node.startsWith("20.") ? "~" : "^"}3.3.1`]) {
    if (!got.message.includes(text)) throw new Error(`${what}: the message should contain ${JSON.stringify(text)}: ${got.message}`);
  }
}

try {
  const none = project("no-peers", []);
  for (const kind of ["esm", "cjs"]) {
    const got = run(none, kind);
    expectMissing(got.bus, "createNatsBus needs the optional peer dependency @nats-io/transport-node", ["@nats-io/transport-node"], `${kind}, no peers, bus`);
    expectMissing(got.coordinator, "createNatsCoordinator needs the optional peer dependencies", ["@nats-io/transport-node", "@nats-io/jetstream", "@nats-io/kv"], `${kind}, no peers, coordinator`);
  }
  // the bus alone: with the client but without JetStream and KV it gets as far as connecting
  const client = project("client-only", ["@nats-io/transport-node"]);
  for (const kind of ["esm", "cjs"]) {
    const got = run(client, kind);
    if (got.bus?.code !== "CONNECT_FAILED") throw new Error(`${kind}, client only: the bus should get as far as connecting (CONNECT_FAILED), got ${JSON.stringify(got.bus)}`);
    expectMissing(got.coordinator, "createNatsCoordinator", ["@nats-io/jetstream", "@nats-io/kv"], `${kind}, client only, coordinator`);
  }
  console.log("nats peers ok");
} finally {
  rmSync(root, { recursive: true, force: true });
}
