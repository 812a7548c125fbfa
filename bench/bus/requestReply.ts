/**
 * The request/reply scenario of `bench/bus.bench.ts`: one request at a time
 * (`await` each), one responder, three designs:
 *
 * - ours: `createBus().request(topic, payload)` with one subscriber returning a value;
 * - emittery: `await emitter.emit(topic, data)`, its idiomatic emit-and-await
 *   (emit resolves once every listener has settled; a listener hands a value
 *   back by writing it into the event data, as emit discards return values);
 * - eventemitter3 + Promise: `new Promise((resolve) => emitter.emit(topic, payload, resolve))`,
 *   the listener calling `resolve` with its value (synchronous, no isolation, no timeout).
 *
 * `throughput(design)`: requests per second, best of interleaved rounds.
 * `allocation(design)`: bytes allocated per request, as the growth of
 * `heapUsed` over N requests with no garbage collection in between: the
 * process runs with a fixed 64 MB semi-space (`--min-semi-space-size=64
 * --max-semi-space-size=64`), so N = 10,000 requests fit in the young
 * generation; a `gc` performance entry during the window fails the run rather
 * than reporting a figure a collection shrank.
 */
import Emittery from "emittery";
import { EventEmitter } from "eventemitter3";
import { PerformanceObserver } from "node:perf_hooks";
import { createBus } from "@acme/agent-orchestrator";

/** The designs compared. */
export const DESIGNS = ["ours", "emittery", "ee3"] as const;
/** One of {@link DESIGNS}. */
export type Design = (typeof DESIGNS)[number];

const TOPIC = "svc.echo";
const ROUND_MS = 80;
const ALLOCATION_REQUESTS = 10_000;

/** One request of `design`: resolves with the responder's value. */
function requester(design: Design): (payload: number) => Promise<unknown> {
  if (design === "ours") {
    const bus = createBus();
    bus.subscribe(TOPIC, (message) => message.payload);
    return (payload) => bus.request(TOPIC, payload);
  }
  if (design === "emittery") {
    const emitter = new Emittery<{ [TOPIC]: { payload: number; reply: unknown } }>();
    emitter.on(TOPIC, (data) => {
      data.reply = data.payload;
    });
    return async (payload) => {
      const data = { payload, reply: undefined as unknown };
      await emitter.emit(TOPIC, data);
      return data.reply;
    };
  }
  const emitter = new EventEmitter();
  emitter.on(TOPIC, (payload: number, reply: (value: unknown) => void) => reply(payload));
  return (payload) => new Promise((resolve) => emitter.emit(TOPIC, payload, resolve));
}

async function run(request: (payload: number) => Promise<unknown>, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    if ((await request(i)) !== i) throw new Error(`request ${i} got a wrong reply`);
  }
}

/** Requests per second of each design: best of `rounds` interleaved rounds of about 80 ms. */
export async function throughput(rounds: number): Promise<Record<Design, number>> {
  const requesters = { ours: requester("ours"), emittery: requester("emittery"), ee3: requester("ee3") };
  const best: Record<Design, number> = { ours: 0, emittery: 0, ee3: 0 };
  for (const design of DESIGNS) await run(requesters[design], 5_000);
  for (let round = 0; round < rounds; round++) {
    for (const design of DESIGNS) {
      let done = 0;
      const start = performance.now();
      let elapsed = 0;
      do {
        await run(requesters[design], 1_000);
        done += 1_000;
        elapsed = performance.now() - start;
      } while (elapsed < ROUND_MS);
      best[design] = Math.max(best[design], done / (elapsed / 1_000));
    }
  }
  return best;
}

/** Bytes allocated per request of `design` (run with a 64 MB semi-space and `--expose-gc`). */
export async function allocation(design: Design): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error("run with --expose-gc");
  const request = requester(design);
  await run(request, 20_000);
  const observer = new PerformanceObserver(() => undefined);
  observer.observe({ entryTypes: ["gc"] });
  gc();
  gc();
  await new Promise((resolve) => setTimeout(resolve, 10));
  observer.takeRecords();
  const before = process.memoryUsage().heapUsed;
  await run(request, ALLOCATION_REQUESTS);
  const after = process.memoryUsage().heapUsed;
  const collections = observer.takeRecords().length;
  observer.disconnect();
  if (collections > 0) throw new Error(`${collections} garbage collections during the allocation window of ${design}`);
  return (after - before) / ALLOCATION_REQUESTS;
}

/** The flags a child measuring {@link allocation} runs with. */
export const ALLOCATION_FLAGS = ["--expose-gc", "--min-semi-space-size=64", "--max-semi-space-size=64"];
