/**
 * Bus throughput: handler calls per second of the in-process bus, beside raw
 * eventemitter3 `emit` and a naive asynchronous design (eventemitter3 with a
 * `queueMicrotask` + try/catch per handler call), measured in the same run.
 *
 *   npx tsx bench/bus.bench.ts
 *
 * Prints a Markdown table. Each scenario runs in a fresh Node process (so no
 * design is slowed by code the JIT specialised for an earlier scenario). Each
 * design publishes batches of 1,000 messages and then waits for them to be
 * handled (`await bus.flush()` for the bus); each cell is the best of several
 * interleaved rounds of about 80 ms, so the three designs see the same machine
 * load. The whole run takes about 15 s. Exits with status 1 when a target is
 * missed: one subscriber at least 1/8 of raw eventemitter3, and one subscriber
 * among 1,000 other topics within 25% of one subscriber alone.
 */
import { EventEmitter } from "eventemitter3";
import { execFileSync } from "node:child_process";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { createBus, type Clock } from "@acme/agent-orchestrator";

const BATCH = 1_000;
const ROUND_MS = 80;
const ROUNDS = 7;
const TOPIC = "prices.AAPL.tick";
const PAYLOAD = { symbol: "AAPL", px: 187.25 };

/** One design set up for one scenario: `batch()` sends BATCH messages and resolves once they are handled. */
interface Runner {
  batch(): Promise<void>;
  /** Handler calls so far. */
  readonly calls: number;
}

interface Scenario {
  readonly name: string;
  /** Handler calls per message. */
  readonly fanout: number;
  readonly bus: () => Runner;
  readonly emitter: () => Runner;
  readonly naive: () => Runner;
}

const constantClock: Clock = { now: () => 1_767_225_600_000, setTimeout: () => undefined, clearTimeout: () => undefined };

function busRunner(patterns: readonly string[], others = 0, clock?: Clock): Runner {
  const bus = createBus(clock === undefined ? {} : { clock });
  let calls = 0;
  for (let i = 0; i < others; i++) bus.subscribe(`other.t${i}.tick`, () => undefined);
  for (const pattern of patterns) {
    bus.subscribe(pattern, () => {
      calls++;
    });
  }
  return {
    async batch() {
      for (let i = 0; i < BATCH; i++) void bus.publish(TOPIC, PAYLOAD);
      await bus.flush();
    },
    get calls() {
      return calls;
    },
  };
}

function emitterRunner(listeners: number, others = 0): Runner {
  const emitter = new EventEmitter();
  let calls = 0;
  for (let i = 0; i < others; i++) emitter.on(`other.t${i}.tick`, () => undefined);
  for (let i = 0; i < listeners; i++) {
    emitter.on(TOPIC, () => {
      calls++;
    });
  }
  return {
    async batch() {
      for (let i = 0; i < BATCH; i++) emitter.emit(TOPIC, PAYLOAD);
      await Promise.resolve();
    },
    get calls() {
      return calls;
    },
  };
}

/** The obvious asynchronous bus: eventemitter3, one microtask and one try/catch per handler call. */
function naiveRunner(listeners: number, others = 0): Runner {
  const emitter = new EventEmitter();
  let calls = 0;
  let errors = 0;
  const isolate = (handler: (payload: unknown) => void) => (payload: unknown) => {
    queueMicrotask(() => {
      try {
        handler(payload);
      } catch {
        errors++;
      }
    });
  };
  for (let i = 0; i < others; i++) emitter.on(`other.t${i}.tick`, isolate(() => undefined));
  for (let i = 0; i < listeners; i++) {
    emitter.on(
      TOPIC,
      isolate(() => {
        calls++;
      }),
    );
  }
  return {
    async batch() {
      for (let i = 0; i < BATCH; i++) emitter.emit(TOPIC, PAYLOAD);
      await Promise.resolve();
      if (errors > 0) throw new Error("naive handler failed");
    },
    get calls() {
      return calls;
    },
  };
}

const scenarios: Scenario[] = [
  { name: "1 subscriber", fanout: 1, bus: () => busRunner([TOPIC]), emitter: () => emitterRunner(1), naive: () => naiveRunner(1) },
  {
    name: "10 subscribers",
    fanout: 10,
    bus: () => busRunner(Array.from({ length: 10 }, () => TOPIC)),
    emitter: () => emitterRunner(10),
    naive: () => naiveRunner(10),
  },
  {
    name: "1 subscriber among 1,000 other topics",
    fanout: 1,
    bus: () => busRunner([TOPIC], 1_000),
    emitter: () => emitterRunner(1, 1_000),
    naive: () => naiveRunner(1, 1_000),
  },
  { name: "`prices.*.tick` wildcard", fanout: 1, bus: () => busRunner(["prices.*.tick"]), emitter: () => emitterRunner(1), naive: () => naiveRunner(1) },
  { name: "`prices.>` wildcard", fanout: 1, bus: () => busRunner(["prices.>"]), emitter: () => emitterRunner(1), naive: () => naiveRunner(1) },
  {
    name: "1 subscriber, constant clock (no clock read)",
    fanout: 1,
    bus: () => busRunner([TOPIC], 0, constantClock),
    emitter: () => emitterRunner(1),
    naive: () => naiveRunner(1),
  },
];

/** Handler calls per second over one round of about ROUND_MS. */
async function measure(runner: Runner, fanout: number): Promise<number> {
  const before = runner.calls;
  let messages = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    await runner.batch();
    messages += BATCH;
    elapsed = performance.now() - start;
  } while (elapsed < ROUND_MS);
  const calls = runner.calls - before;
  if (calls !== messages * fanout) throw new Error(`expected ${messages * fanout} handler calls, counted ${calls}`);
  return calls / (elapsed / 1_000);
}

function millions(perSecond: number): string {
  return `${(perSecond / 1e6).toFixed(1)} M/s`;
}

interface Result {
  readonly bus: number;
  readonly emitter: number;
  readonly naive: number;
}

/** Measure one scenario in this process. */
async function runScenario(scenario: Scenario): Promise<Result> {
  const runners = { bus: scenario.bus(), emitter: scenario.emitter(), naive: scenario.naive() };
  const best = { bus: 0, emitter: 0, naive: 0 };
  for (let round = 0; round < ROUNDS; round++) {
    for (const design of ["emitter", "bus", "naive"] as const) {
      best[design] = Math.max(best[design], await measure(runners[design], scenario.fanout));
    }
  }
  return best;
}

/** Run scenario `index` in a child process and read its result. */
function runInChild(index: number): Result {
  const output = execFileSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), "--scenario", String(index)], {
    encoding: "utf8",
    timeout: 60_000,
  });
  return JSON.parse(output) as Result;
}

/** The bus's throughput with one subscriber, as a share of raw eventemitter3 `emit`: at least 1/8. */
const TARGET_SHARE = 1 / 8;
/** One subscriber among 1,000 other topics is at most this much slower than one subscriber alone. */
const TARGET_AMONG = 0.25;

async function main(): Promise<void> {
  const flag = process.argv.indexOf("--scenario");
  if (flag >= 0) {
    const scenario = scenarios[Number(process.argv[flag + 1])];
    if (scenario === undefined) throw new Error(`unknown scenario ${process.argv[flag + 1]}`);
    process.stdout.write(JSON.stringify(await runScenario(scenario)));
    return;
  }
  const cpu = os.cpus()[0];
  console.log(`Machine: ${cpu?.model.trim() ?? "unknown CPU"}, ${os.cpus().length} cores; Node ${process.version}; ${os.platform()} ${os.arch()}`);
  console.log(`Method: one process per scenario; batches of ${BATCH.toLocaleString("en")} messages; best of ${ROUNDS} interleaved rounds of ~${ROUND_MS} ms per design.\n`);
  console.log("| scenario | bus | raw eventemitter3 emit | bus / ee3 | naive async (ee3 + microtask + try/catch) | bus / naive |");
  console.log("|---|---:|---:|---:|---:|---:|");
  const results: Result[] = [];
  scenarios.forEach((scenario, index) => {
    const best = runInChild(index);
    results.push(best);
    console.log(
      `| ${scenario.name} | ${millions(best.bus)} | ${millions(best.emitter)} | 1/${(best.emitter / best.bus).toFixed(1)} | ${millions(best.naive)} | ${(best.bus / best.naive).toFixed(1)}× |`,
    );
  });
  const one = results[0];
  const among = results[2]?.bus ?? 0;
  const share = one === undefined ? 0 : one.bus / one.emitter;
  const change = one === undefined ? -1 : among / one.bus - 1;
  const misses: string[] = [];
  console.log(`\n1 subscriber: 1/${(1 / share).toFixed(1)} of raw eventemitter3; target ≥ 1/${1 / TARGET_SHARE}`);
  if (share < TARGET_SHARE) misses.push(`1 subscriber at 1/${(1 / share).toFixed(1)} of raw eventemitter3, below the 1/${1 / TARGET_SHARE} target`);
  console.log(`1 subscriber among 1,000 other topics vs 1 subscriber: ${change >= 0 ? "+" : ""}${(change * 100).toFixed(0)}%; target within ${TARGET_AMONG * 100}%`);
  if (change < -TARGET_AMONG) misses.push(`1 subscriber among 1,000 other topics ${(change * 100).toFixed(0)}% off 1 subscriber, beyond the ${TARGET_AMONG * 100}% target`);
  for (const miss of misses) console.error(`target missed: ${miss}`);
  if (misses.length > 0) process.exitCode = 1;
}

await main();
