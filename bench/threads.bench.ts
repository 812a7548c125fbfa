/**
 * Thread agents (`isolation: "thread"`), through the built package's public
 * API: one agent registered by module (`bench/threads/agent.mjs`, plain
 * JavaScript, as its thread imports it from dist/), beside bare
 * `worker_threads` doing the same work in the same run:
 *
 * 1. delivery main → thread: `orch.bus.publish(topic, { symbol, px })` from
 *    the main thread, messages handled per second by the agent's
 *    subscription (`await orch.bus.flush()` settles once the thread's handler
 *    has run for each); bare: a worker counting a loop of
 *    `worker.postMessage(payload)`, one message per call, until it posts its
 *    final count. Target: at least 50% of the bare loop;
 * 2. request/reply main → thread → main: sequential `orch.bus.request`
 *    answered by the agent's handler, p50 and p99; bare: `postMessage` and
 *    wait for the echo, repeated. Targets: p50 ≤ 2× bare, p99 ≤ 5× bare;
 * 3. restart, crash to running: the agent calls `this.fail()` on a message
 *    (back-off 1 ms, no jitter); from `agent:crash` to the next
 *    `agent:state` → running; bare: `new Worker` importing the package and
 *    the agent module until it posts "ready". Target: ≤ bare + 50 ms (+ the 1 ms back-off);
 * 4. 1,000 crash→restart cycles leave nothing behind: OS threads alive
 *    afterwards with the agent running (1), active handles and `process`
 *    listeners unchanged, `heapUsed` after `gc()` grown by less than 5 MB.
 *
 *   npm run bench -- threads
 *   BENCH_RUNS=1 TSX_TSCONFIG_PATH=bench/tsconfig.run.json node --import tsx bench/threads.bench.ts
 *
 * Every run is a child process, `node --expose-gc bench/threads/run.mjs`
 * (plain `node`: see there why not tsx). Scenarios 1–3: the median of RUNS
 * runs, ours and bare interleaved in each. Scenario 4: LEAK_RUNS runs of
 * 1,000 cycles (one by default: it takes minutes; `BENCH_LEAK_RUNS` and
 * `BENCH_LEAK_CYCLES` set them for a quick look),
 * the worst run's counts reported.
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { bytes, median, Report, round, RUNS } from "./lib/report.js";

const RESTART_CYCLES = 15;
const LEAK_CYCLES = Number(process.env["BENCH_LEAK_CYCLES"] ?? 1_000);
const LEAK_RUNS = Number(process.env["BENCH_LEAK_RUNS"] ?? 1);
const DELIVERY_SHARE = 0.5;
const P50_FACTOR = 2;
const P99_FACTOR = 5;
const RESTART_SLACK_MS = 50;
const BACKOFF_MS = 1;
const HEAP_BOUND = 5 * 1_024 * 1_024;

/** What `run.mjs traffic` prints. */
interface TrafficResult {
  readonly delivery: number;
  readonly requests: number;
  readonly deliveryOurs: number;
  readonly deliveryBare: number;
  readonly posts: number;
  readonly frames: number;
  readonly requestOursP50: number;
  readonly requestOursP99: number;
  readonly requestBareP50: number;
  readonly requestBareP99: number;
}

/** What `run.mjs restart` prints (ms). */
interface RestartResult {
  readonly ours: number;
  readonly crashToRestartEvent: number;
  readonly bare: number;
  readonly bareOnline: number;
}

/** What `run.mjs leak` prints. */
interface LeakResult {
  readonly cycles: number;
  readonly threadsAlive: number;
  readonly handlesDelta: number;
  readonly resourcesDelta: number;
  readonly processListenersDelta: number;
  readonly heapGrowth: number;
  readonly rssGrowth: number;
  readonly restartMedian: number;
  readonly restartP99: number;
  readonly resources: readonly string[];
}

function child<T>(args: readonly string[]): T {
  const file = fileURLToPath(new URL("./threads/run.mjs", import.meta.url));
  const output = execFileSync(process.execPath, ["--expose-gc", file, ...args], { encoding: "utf8", maxBuffer: 16 * 1024 * 1024, timeout: 30 * 60_000 });
  return JSON.parse(output.trim().split("\n").pop() as string) as T;
}

const traffic: TrafficResult[] = [];
const restarts: RestartResult[] = [];
for (let run = 0; run < RUNS; run++) {
  traffic.push(child<TrafficResult>(["traffic"]));
  restarts.push(child<RestartResult>(["restart", String(RESTART_CYCLES)]));
}
const leaks: LeakResult[] = [];
for (let run = 0; run < LEAK_RUNS; run++) leaks.push(child<LeakResult>(["leak", String(LEAK_CYCLES)]));

const t = (key: keyof TrafficResult): number => median(traffic.map((r) => r[key]));
const r = (key: keyof RestartResult): number => median(restarts.map((x) => x[key]));
const worst = (key: "threadsAlive" | "handlesDelta" | "resourcesDelta" | "processListenersDelta" | "heapGrowth" | "rssGrowth"): number =>
  leaks.map((x) => x[key]).reduce((a, b) => (Math.abs(b) > Math.abs(a) ? b : a));
const ms = (value: number): string => `${round(value, 1)} ms`;
const us = (value: number): string => `${round(value, 1)} µs`;
const rate = (value: number): string => `${Math.round(value / 1_000)} k/s`;
const mb = (value: number): string => `${value < 0 ? "−" : "+"}${round(Math.abs(value) / 2 ** 20, 2)} MB`;

const report = new Report("threads: agents with `isolation: thread` (built package)");

const delivery = t("deliveryOurs");
const deliveryBare = t("deliveryBare");
const count = traffic[0]?.delivery ?? 0;
report.row({
  scenario: `delivery main → thread agent, ${count.toLocaleString("en")} publishes then \`flush()\`: messages/s handled in the thread (best of 3 rounds per run)`,
  ours: rate(delivery),
  baseline: `${rate(deliveryBare)} (bare worker, one \`postMessage\` per message)`,
  ratio: `${Math.round((delivery / deliveryBare) * 100)}%`,
  target: "≥ 50% of bare",
  met: delivery >= DELIVERY_SHARE * deliveryBare,
});
const posts = t("posts");
const frames = t("frames");
report.row({
  scenario: "… posts the thread receives for them (`message` events on its `parentPort`); frames per post",
  ours: `${Math.round(posts)}; ${round(frames / posts, 1)}`,
  baseline: `${count.toLocaleString("en")}; 1`,
  target: "—",
  met: undefined,
});
const requests = traffic[0]?.requests ?? 0;
const p50 = t("requestOursP50");
const p50Bare = t("requestBareP50");
report.row({
  scenario: `request/reply main → thread → main, one at a time (${requests.toLocaleString("en")} after warm-up): p50`,
  ours: us(p50),
  baseline: `${us(p50Bare)} (bare ping-pong)`,
  ratio: `${round(p50 / p50Bare, 1)}×`,
  target: "≤ 2× bare",
  met: p50 <= P50_FACTOR * p50Bare,
});
const p99 = t("requestOursP99");
const p99Bare = t("requestBareP99");
report.row({ scenario: "… p99", ours: us(p99), baseline: us(p99Bare), ratio: `${round(p99 / p99Bare, 1)}×`, target: "≤ 5× bare", met: p99 <= P99_FACTOR * p99Bare });
const restart = r("ours");
const restartBare = r("bare");
report.row({
  scenario: `restart of a thread agent: \`agent:crash\` → running (back-off 1 ms; median of ${RESTART_CYCLES} per run)`,
  ours: ms(restart),
  baseline: `${ms(restartBare)} (bare \`new Worker\` importing the package and the agent module → ready)`,
  ratio: `${restart >= restartBare ? "+" : "−"}${ms(Math.abs(restart - restartBare))}`,
  target: "≤ bare + 50 ms (+ 1 ms back-off)",
  met: restart <= restartBare + RESTART_SLACK_MS + BACKOFF_MS,
});
report.row({
  scenario: "… of which: `agent:crash` → `agent:restart` (back-off armed), ours; `new Worker` → `online` (the thread alone, nothing imported), bare",
  ours: ms(r("crashToRestartEvent")),
  baseline: ms(r("bareOnline")),
  target: "—",
  met: undefined,
});
const runs = LEAK_RUNS === 1 ? "one run" : `worst of ${LEAK_RUNS} runs`;
const threads = worst("threadsAlive");
report.row({ scenario: `${LEAK_CYCLES.toLocaleString("en")} crash → restart cycles, then agent running: threads alive (OS threads beyond those before start; ${runs})`, ours: String(threads), target: "1", met: threads === 1 });
const handles = worst("handlesDelta");
const resources = worst("resourcesDelta");
report.row({
  scenario: `… active handles; active resources (\`getActiveResourcesInfo\`), after − before the cycles (${runs})`,
  ours: `${handles >= 0 ? "+" : ""}${handles}; ${resources >= 0 ? "+" : ""}${resources}`,
  target: "0",
  met: handles === 0 && resources === 0,
});
const listeners = worst("processListenersDelta");
report.row({ scenario: `… listeners on \`process\`, after − before (${runs})`, ours: `${listeners >= 0 ? "+" : ""}${listeners}`, target: "0", met: listeners === 0 });
const heap = worst("heapGrowth");
report.row({ scenario: `… \`heapUsed\` after \`gc()\`, after − before (RSS for context; ${runs})`, ours: `${mb(heap)} (RSS ${mb(worst("rssGrowth"))})`, target: "< 5 MB", met: heap < HEAP_BOUND });
const loopMedian = median(leaks.map((x) => x.restartMedian));
report.row({
  scenario: `… crash → running in the loop: median; p99 (${runs})`,
  ours: `${ms(loopMedian)}; ${ms(median(leaks.map((x) => x.restartP99)))}`,
  baseline: `${ms(restartBare)} (bare → ready, above)`,
  target: "—",
  met: undefined,
});
console.log(`Resources active after the cycles: ${leaks[0]?.resources.join(", ") ?? "—"}. Heap deltas are \`heapUsed\` (${bytes(heap)}).\n`);
report.finish();
