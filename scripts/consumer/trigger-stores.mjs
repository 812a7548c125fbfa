// the trigger stores from the tarball: FileTriggerStore and MemoryTriggerStore pass storeContract (ESM and CommonJS copies), and a lock held by one copy refuses the other
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileTriggerStore, MemoryTriggerStore, isOrchestratorError } from "@acme/agent-orchestrator";
import { storeContract, STORE_CONTRACT_CASES } from "@acme/agent-orchestrator/testing";

const require = createRequire(import.meta.url);
const cjs = require("@acme/agent-orchestrator");

function expect(condition, what) {
  if (!condition) throw new Error(what);
}

const directory = mkdtempSync(join(tmpdir(), "consumer-stores-"));
try {
  const suites = [
    ["MemoryTriggerStore", () => new MemoryTriggerStore(), "none"],
    ["FileTriggerStore (ESM)", ({ name }) => new FileTriggerStore(join(directory, `esm-${name}.json`)), "durable"],
    ["FileTriggerStore (CommonJS)", ({ name }) => new cjs.FileTriggerStore(join(directory, `cjs-${name}.json`)), "durable"],
  ];
  for (const [label, make, persistence] of suites) {
    const cases = [];
    storeContract(make, (name, fn) => cases.push({ name, fn }), { persistence });
    expect(cases.length > 10 && cases.length <= Object.keys(STORE_CONTRACT_CASES).length, `${label}: ${cases.length} cases registered`);
    for (const { name, fn } of cases) {
      await fn().catch((error) => {
        throw new Error(`${label} failed ${name}: ${error?.message ?? error}`);
      });
    }
  }

  const path = join(directory, "shared.json");
  const esm = new FileTriggerStore(path);
  await esm.load();
  const refused = await new cjs.FileTriggerStore(path).load().catch((error) => error);
  expect(isOrchestratorError(refused) && refused.code === "STORE_LOCKED", `the CommonJS store should be refused with STORE_LOCKED, got ${refused}`);
  expect(refused.name === "StoreError" && refused.store === `file ${path}`, `a StoreError naming the store, got ${refused.name}`);
  await esm.close();
} finally {
  rmSync(directory, { recursive: true, force: true });
}
