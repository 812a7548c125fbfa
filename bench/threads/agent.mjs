// The thread agent the threads benchmark loads (plain JS: its worker thread
// imports it from the built package, without tsx). One agent, four topics:
//
// - `bench.tick`: counts each message (the delivery scenario);
// - `bench.echo`: returns the payload (the request/reply scenario);
// - `bench.crash`: `this.fail()` (the restart scenarios);
// - `bench.diag`: with payload `true` starts counting the `message` events
//   of this thread's `parentPort` and the frames they carry (each event is
//   one `postMessage` from the main thread); `false` stops; any request is
//   answered with the figures so far (a diagnostic, not measured with the rest).
import { threadId, parentPort } from "node:worker_threads";
import { Agent } from "@acme/agent-orchestrator";

export class Sink extends Agent {
  start() {
    let ticks = 0;
    let events = 0;
    let frames = 0;
    const onPost = (batch) => {
      events++;
      frames += Array.isArray(batch) ? batch.length : 1;
    };
    this.bus.subscribe("bench.tick", () => void ticks++, { maxPending: 10_000_000 });
    this.bus.subscribe("bench.echo", (message) => message.payload);
    this.bus.subscribe("bench.crash", () => this.fail(new Error("bench crash")));
    this.bus.subscribe("bench.diag", (message) => {
      if (message.payload === true) {
        events = 0;
        frames = 0;
        parentPort?.on("message", onPost);
      } else if (message.payload === false) {
        parentPort?.off("message", onPost);
      }
      return { ticks, events, frames, threadId };
    });
  }
}
