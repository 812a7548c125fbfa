// The entry of an agent's worker thread when the library runs from its
// TypeScript sources (tests, a source checkout): registers a TypeScript loader
// in the thread, then imports the real entry (`threadMain.ts`). The built
// package never uses this file: dist/ spawns threadMain.js directly.
import { workerData } from "node:worker_threads";

const { register } = await import("tsx/esm/api");
register();
await import(workerData.entry);
