/**
 * One backfill measurement in its own process (started by bench/state.bench.ts):
 *
 *   node --expose-gc --import tsx bench/state/backfill.ts <slots> <idleMs>
 *
 * `createOrchestrator` with a file store (`config.state: { file }` in a
 * temporary directory) and three agents: `filler`, whose `onCron` records
 * each tick of its every-second trigger `sec`; and a pair, `client` and
 * `server`, where `client` sends `server` one request on `svc.echo` through
 * `this.bus.request` each millisecond (a 1 ms `setTimeout`, re-armed when the
 * reply arrives) and `server` answers with the payload.
 *
 * The pair's latency is measured twice in the same process: idle for `idleMs`
 * (after a second of warm-up), then during `orch.backfill("filler", "sec")` of
 * `slots` seconds of the past. Each request gives two figures: the round trip
 * (from `request()` to its reply) and the latency as the client sees it, from
 * the instant its timer was due to the reply: a backfill that held the event
 * loop would show there, as the wait before the request could even be sent
 * (an in-process round trip runs in microtasks, which nothing interleaves).
 * Prints one JSON line.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { Agent, createOrchestrator, type CronTick, type Message } from "@acme/agent-orchestrator";

/** The child's result line. */
export interface BackfillResult {
  readonly slots: number;
  /** What `orch.backfill()` resolved with. */
  readonly ran: number;
  readonly skipped: number;
  /** Backfilled ticks `onCron` saw (`tick.catchup === true`), and how many of them twice. */
  readonly seen: number;
  readonly duplicated: number;
  /** From the `orch.backfill()` call to its promise settling. */
  readonly durationMs: number;
  /** `backfill:progress` outcomes, counted by kind. */
  readonly outcomes: Record<string, number>;
  readonly idle: LatencyFigures;
  readonly backfill: LatencyFigures;
}

/** The pair's figures over one phase (ms). */
export interface LatencyFigures {
  readonly requests: number;
  /** From the instant the client's timer was due to the reply. */
  readonly dueP50: number;
  readonly dueP99: number;
  readonly dueMax: number;
  /** When the slowest request was due, ms after the phase began. */
  readonly dueMaxAt: number;
  /** From `request()` to the reply. */
  readonly roundTripP50: number;
  readonly roundTripP99: number;
  /** `monitorEventLoopDelay` (resolution 1 ms) over the phase. */
  readonly loopP99: number;
  readonly loopMax: number;
}

const [slotsArg = "10000", idleArg = "5000"] = process.argv.slice(2);
const slots = Number(slotsArg);
const idleMs = Number(idleArg);
if (!(slots > 0) || !(idleMs > 0)) throw new Error(`usage: backfill.ts <slots> <idleMs>, got ${process.argv.slice(2).join(" ")}`);

/** The phase whose requests are recorded. */
let recording: { due: number[]; roundTrip: number[]; worst: number; worstAt: number } | undefined;
const backfilled = new Set<number>();
let duplicated = 0;

class Filler extends Agent {
  override onCron(tick: CronTick): void {
    if (!tick.catchup) return;
    if (backfilled.has(tick.scheduledAt)) duplicated++;
    else backfilled.add(tick.scheduledAt);
  }
}

class Server extends Agent {
  override start(): void {
    this.bus.subscribe("svc.echo", (message: Message<unknown>) => message.payload);
  }
}

class Client extends Agent {
  #stopped = false;

  override start(): void {
    let n = 0;
    const next = (): void => {
      if (this.#stopped) return;
      const due = performance.now() + 1;
      setTimeout(() => {
        if (this.#stopped) return;
        const sent = performance.now();
        const payload = n++;
        void this.bus.request("svc.echo", payload).then((reply) => {
          const now = performance.now();
          if (reply !== payload) throw new Error(`request ${payload} got ${String(reply)}`);
          if (recording !== undefined) {
            recording.due.push(now - due);
            recording.roundTrip.push(now - sent);
            if (now - due > recording.worst) {
              recording.worst = now - due;
              recording.worstAt = due;
            }
          }
          next();
        });
      }, 1);
    };
    next();
  }

  override stop(): void {
    this.#stopped = true;
  }
}

const directory = await mkdtemp(join(tmpdir(), "ao-bench-backfill-"));
const orch = createOrchestrator({
  agents: [
    { name: "filler", agent: Filler },
    { name: "server", agent: Server },
    { name: "client", agent: Client },
  ],
  logger: false,
  keepAlive: false,
  config: { schedule: { filler: [{ every: "1s", name: "sec" }] }, state: { file: join(directory, "state.json") } },
});
const outcomes: Record<string, number> = {};
orch.on("backfill:progress", ({ outcome }) => void (outcomes[outcome] = (outcomes[outcome] ?? 0) + 1));
// the backfilled range ends before the first slot the trigger runs live
const to = Math.floor(Date.now() / 1_000) * 1_000;
const from = to - slots * 1_000;
await orch.start();

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const quantile = (values: number[], p: number): number => {
  const sorted = values.sort((a, b) => a - b);
  return sorted.length === 0 ? Number.NaN : (sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] as number);
};
async function phase(during: () => Promise<void>): Promise<LatencyFigures> {
  const record = { due: [] as number[], roundTrip: [] as number[], worst: 0, worstAt: 0 };
  const began = performance.now();
  const loop = monitorEventLoopDelay({ resolution: 1 });
  recording = record;
  loop.enable();
  await during();
  loop.disable();
  recording = undefined;
  return {
    requests: record.due.length,
    dueP50: quantile(record.due, 0.5),
    dueP99: quantile(record.due, 0.99),
    dueMax: record.worst,
    dueMaxAt: Math.round(record.worstAt - began),
    roundTripP50: quantile(record.roundTrip, 0.5),
    roundTripP99: quantile(record.roundTrip, 0.99),
    loopP99: loop.percentile(99) / 1e6,
    loopMax: loop.max / 1e6,
  };
}

await sleep(1_000); // warm-up
const idle = await phase(() => sleep(idleMs));
let outcome = { ran: 0, skipped: 0 };
let durationMs = 0;
const backfill = await phase(async () => {
  const started = performance.now();
  outcome = await orch.backfill("filler", "sec", { from, to });
  durationMs = performance.now() - started;
});
await orch.shutdown();
await rm(directory, { recursive: true, force: true });

const result: BackfillResult = { slots, ran: outcome.ran, skipped: outcome.skipped, seen: backfilled.size, duplicated, durationMs: Math.round(durationMs), outcomes, idle, backfill };
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
