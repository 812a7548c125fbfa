// the /nats entry exports createNatsTriggerStore (ESM and CJS): bad options are a ConfigError naming the option before anything connects, an unreachable server is NatsError CONNECT_FAILED
import { createRequire } from "node:module";
import { ConfigError } from "@acme/agent-orchestrator";
import { NatsError, createNatsTriggerStore } from "@acme/agent-orchestrator/nats";

function expect(condition, what) {
  if (!condition) throw new Error(what);
}

const require = createRequire(import.meta.url);
const cjs = require("@acme/agent-orchestrator/nats");
expect(typeof createNatsTriggerStore === "function" && typeof cjs.createNatsTriggerStore === "function", "createNatsTriggerStore should be a function in both builds");

const unreachable = { servers: "nats://127.0.0.1:1", reconnect: false, timeout: 500 };
for (const [build, create, Config] of [["esm", createNatsTriggerStore, ConfigError], ["cjs", cjs.createNatsTriggerStore, require("@acme/agent-orchestrator").ConfigError]]) {
  const bad = await create(unreachable, { bucket: "a.b" }).then(() => "resolved", (error) => error);
  expect(bad instanceof Config && bad.code === "INVALID_OPTION" && bad.path === "bucket" && bad.message.includes('"a.b"'), `${build}: a bad bucket should be a ConfigError naming it, got ${bad?.stack ?? bad}`);
  const down = await create(unreachable).then(() => "resolved", (error) => error);
  expect(down?.name === "NatsError" && down.code === "CONNECT_FAILED", `${build}: an unreachable server should be NatsError CONNECT_FAILED, got ${down?.stack ?? down}`);
}
expect(typeof NatsError === "function", "NatsError should be exported");
console.log("nats trigger store ok");
