import { defineConfig } from "tsup";

const entry = {
  index: "src/index.ts",
  testing: "src/testing/index.ts",
  nats: "src/nats/index.ts",
};

// p-retry (and its dependency is-network-error) ship only as ES modules. The
// ESM build imports them; the CommonJS build bundles them, so `require()` works
// on every supported Node.js without relying on require(esm).
const esmOnlyDependencies = ["p-retry", "is-network-error"];
// The NATS client is an optional peer dependency: never bundled, loaded only by the `./nats` entry.
const external = [/^@nats-io\//];

export default defineConfig([
  {
    // threadMain: the entry of a thread agent's worker thread (isolation: thread), spawned by its file URL beside the chunks
    entry: { ...entry, threadMain: "src/thread/threadMain.ts" },
    format: ["esm"],
    dts: true,
    sourcemap: true,
    target: "node20",
    splitting: true,
    treeshake: true,
    external,
  },
  {
    entry,
    format: ["cjs"],
    dts: true,
    sourcemap: true,
    target: "node20",
    splitting: true,
    treeshake: true,
    noExternal: esmOnlyDependencies,
    external,
  },
  {
    // the `agent-orchestrator` bin: one ES module, run by node (dist/schema.json is written beside it by scripts/build-schema.ts)
    entry: { cli: "src/cli/main.ts" },
    format: ["esm"],
    dts: false,
    sourcemap: true,
    target: "node20",
    treeshake: true,
    banner: { js: "#!/usr/bin/env node" },
    external,
  },
]);
