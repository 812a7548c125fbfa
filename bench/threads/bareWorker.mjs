// The bare baselines of the threads benchmark, one worker file, its role in
// `workerData`: "count" counts each message and posts the count when it
// reaches `workerData.total`; "echo" posts each message back; "ready" imports
// the package and the benchmark's agent module (what a thread agent's thread
// loads) and posts "ready".
import { parentPort, workerData } from "node:worker_threads";

const { role, total } = workerData;
if (role === "count") {
  let count = 0;
  parentPort.on("message", () => {
    if (++count === total) {
      parentPort.postMessage(count);
      count = 0;
    }
  });
} else if (role === "echo") {
  parentPort.on("message", (value) => parentPort.postMessage(value));
} else if (role === "ready") {
  await import("@acme/agent-orchestrator");
  await import("./agent.mjs");
  parentPort.postMessage("ready");
}
