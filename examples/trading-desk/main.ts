// The trading desk demo: `npm run demo`.
//
// Six agents run under the orchestrator: market data (loaded by module from
// orchestrator.yaml, publishing prices every second), a momentum strategy that
// asks the risk agent before it trades, the risk agent (critical), the chief
// that receives escalations (critical), a flaky venue feed that crashes every
// third tick so that back-off, escalation, crash-loop disable and recovery show,
// and a pricer in a worker thread of its own.
//
// The feed and the strategy form the group `trading` (`one_for_all`): each
// crash of the feed restarts the strategy too. The desk asks the pricer for a
// quote every second; 4 s after start, and every 30 s after that, it asks for
// an instrument whose pricing model never converges (a synchronous endless
// loop). The pricer stops answering, the orchestrator terminates its thread
// after its heartbeatTimeout (2 s) and restarts it, and meanwhile prices, the
// strategy, health and the status view carry on: the loop is in another thread.
//
// Health is served on :8000/healthz, metrics on :8001/metrics, and the status
// page on :8000/statusz (all opened before any agent starts: a port already in
// use ends the demo with exit code 1 and a line naming the flag to change). Open
// the status page in a browser to watch the agents live and restart, disable or
// enable them, pause or run their triggers while the demo listens on a loopback
// interface (its authorize hook allows whoever can reach it; a real host checks
// its users instead, docs/operations.md); on any other interface it is read-only. A live status view also refreshes in place on a
// terminal; elsewhere the demo prints plain log lines. Ctrl-C shuts down
// gracefully and prints a summary.
//
//   npm run demo -- --duration 20s                      stop by itself after 20 s
//   npm run demo -- --health-port 9000 --metrics-port 9001   other ports
//   npm run demo -- --health-port 0 --metrics-port 0    free ports
//   npm run demo -- --host 0.0.0.0                      listen on every interface (default 127.0.0.1)
//
// As a cluster (replicas/cluster.ts): `--replicas N` (2 to 9) runs the desk of
// replicas.yaml in N replica processes over NATS, the market-data feed and the
// risk book as singletons (one replica holds each lease; the others stand by).
// It uses the server NATS_URL names, else starts a `nats-server -js` of its own
// (on the PATH) on a free loopback port. Every --kill-every it kills -9 the
// replica holding the feed, prints how long the feed takes to move to another
// replica, and starts the killed one again. Each replica prints its health,
// metrics and status URLs (free ports, or --health-port/--metrics-port + i).
//
//   npm run demo -- --replicas 3                        kill the feed's holder every 15 s until Ctrl-C
//   npm run demo -- --replicas 3 --kill-every 5s --duration 40s
//   npm run demo -- --replicas 3 --kill-every off       no kills: kill -9 a replica yourself
//   NATS_URL=nats://127.0.0.1:4222 npm run demo -- --replicas 3
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { describeThrown } from "../../src/errors/describeThrown.js";
import {
  createOrchestrator,
  formatDuration,
  loadConfig,
  ObservabilityError,
  toMilliseconds,
  type AgentStatus,
  type Listening,
  type Logger,
} from "../../src/index.js";
import { Chief, Momentum, Risk } from "./agents/desk.js";
import type { Price } from "./agents/MarketData.js";
import type { Quote } from "./agents/Pricer.js";

const { values: args } = parseArgs({
  options: {
    duration: { type: "string" },
    "health-port": { type: "string" },
    "metrics-port": { type: "string" },
    host: { type: "string", default: "127.0.0.1" },
    replicas: { type: "string" },
    "kill-every": { type: "string" },
  },
});

const duration = args.duration === undefined ? undefined : toMilliseconds(args.duration);
if (args.duration !== undefined && (duration === undefined || duration <= 0)) {
  console.error(`--duration: expected a duration such as 20s or 2m, got ${JSON.stringify(args.duration)}`);
  process.exit(2);
}
const port = (name: "health-port" | "metrics-port"): number | undefined => {
  const raw = args[name];
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65_535) {
    console.error(`--${name}: expected a port number from 0 to 65535, got ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return value;
};
const healthPort = port("health-port");
const metricsPort = port("metrics-port");

// --replicas: the desk as a cluster of replica processes over NATS (replicas/cluster.ts)
if (args.replicas !== undefined || args["kill-every"] !== undefined) {
  if (args.replicas === undefined || !/^[2-9]$/.test(args.replicas)) {
    console.error(`--replicas: expected a number of replicas from 2 to 9, got ${args.replicas === undefined ? "none (--kill-every needs --replicas)" : JSON.stringify(args.replicas)}`);
    process.exit(2);
  }
  const replicas = Number(args.replicas);
  const raw = args["kill-every"] ?? "15s";
  const killEvery = raw === "off" ? undefined : toMilliseconds(raw);
  if (raw !== "off" && (killEvery === undefined || killEvery < 1_000)) {
    console.error(`--kill-every: expected a duration of at least 1s such as 15s, or off, got ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  for (const [flag, base] of [["--health-port", healthPort], ["--metrics-port", metricsPort]] as const) {
    if (base !== undefined && base !== 0 && base + replicas > 65_535) {
      console.error(`${flag}: replica i listens on ${flag.slice(2)} + i: ${base} + ${replicas} is past 65535`);
      process.exit(2);
    }
  }
  const { runCluster } = await import("./replicas/cluster.js");
  process.exit(await runCluster({ replicas, killEvery, duration, healthPort, metricsPort, host: args.host }));
}

/** A listener that could not bind, in the demo's own terms: the flag to change, no stack trace. */
function listenFailure(error: unknown): string | undefined {
  if (!(error instanceof ObservabilityError) || error.code !== "LISTEN_FAILED") return undefined;
  const cause = (error.cause as NodeJS.ErrnoException | undefined)?.code;
  const why =
    cause === "EADDRINUSE"
      ? "is already in use"
      : cause === "EACCES"
        ? "needs privileges (ports below 1024)"
        : cause === "EADDRNOTAVAIL"
          ? `is not available on this machine (--host ${args.host})`
          : `cannot be opened (${describeThrown(error.cause)})`;
  const shared = healthPort !== undefined && healthPort === metricsPort;
  const what = shared ? "health and metrics" : error.option === "metricsPort" ? "metrics" : "health";
  const flag = shared ? "--health-port and --metrics-port" : error.option === "metricsPort" ? "--metrics-port" : "--health-port";
  return (
    `trading desk: cannot serve ${what} on ${args.host}:${error.port ?? "?"}: the port ${why}.\n` +
    `Choose another port with ${flag} (0 picks a free one), e.g. npm run demo -- --health-port 0 --metrics-port 0`
  );
}

const tty = process.stdout.isTTY === true;
const recent: string[] = [];
const say = (line: string): void => {
  if (tty) {
    recent.push(line);
    if (recent.length > 8) recent.shift();
  } else {
    console.log(line);
  }
};
const logger: Logger = {
  debug: () => undefined,
  // the status page's actions, with who acted
  info: (_fields, message) => {
    if (message?.startsWith("operator:") === true) say(message);
  },
  warn: (_fields, message) => say(`warn  ${message ?? ""}`),
  error: (_fields, message) => say(`error ${message ?? ""}`),
};

// actions only while the listener is bound to a loopback interface: then nobody but this machine reaches it
const actionsOn = new Set(["localhost", "127.0.0.1", "::1"]).has(args.host);
const config = await loadConfig(fileURLToPath(new URL("./orchestrator.yaml", import.meta.url)));
const orch = createOrchestrator({
  agents: [Momentum, Risk, { name: "chief", agent: Chief, chief: true }],
  config,
  logger,
  // the page is the operator's: here whoever can reach a loopback listener; a host would check a user
  // its reverse proxy authenticated, e.g. request.headers.get("x-forwarded-user") ?? false.
  // Listening elsewhere (--host 0.0.0.0), the page is read-only.
  status: actionsOn ? { authorize: () => "local operator" } : {},
});

// what happens, as plain lines (and the recent-events pane of the status view)
orch.on("agent:state", (e) => say(`state ${e.agent}: ${e.previous} → ${e.state}`));
// the last crash of each agent, and the latest crashes in order, to narrate the restarts that follow
const crashed = new Map<string, string>();
const latestCrashes: string[] = [];
orch.on("agent:crash", (e) => {
  crashed.set(e.agent, e.reason);
  latestCrashes.push(e.agent);
  if (latestCrashes.length > 20) latestCrashes.shift();
});
orch.on("agent:restart", (e) => {
  if (e.reason === "crash") {
    const entry = config.agents?.[e.agent];
    if (crashed.get(e.agent) === "hung" && entry?.isolation === "thread") {
      const timeout = formatDuration(toMilliseconds(entry.heartbeatTimeout) ?? 10_000);
      say(`${e.agent} hung (thread terminated after ${timeout}), restarting in ${formatDuration(e.delay)} (attempt ${e.attempt})`);
    } else {
      say(`restart ${e.agent} in ${formatDuration(e.delay)} (attempt ${e.attempt})`);
    }
  } else if (e.reason === "group") {
    // the restarting group's name: `byGroup`, formerly `group`
    const { byGroup, group } = e as { byGroup?: string; group?: string };
    const by = byGroup ?? group ?? "?";
    const strategy = config.groups?.[by]?.strategy ?? "one_for_one";
    const cause = latestCrashes.findLast((name) => name !== e.agent && orch.agent(name)?.group === by);
    say(`restart ${e.agent} with its group ${by} (${strategy}${cause === undefined ? "" : `: ${cause} crashed`})`);
  }
});
orch.on("group:failed", (e) => say(`group ${e.group} failed: more than ${e.maxRestarts} restarts within ${formatDuration(e.within)} (${e.action})`));
orch.on("agent:disabled", (e) => say(`disabled ${e.agent} (${e.reason})`));
orch.on("escalation", (e) => say(`escalation ${e.agent}: ${e.reason}${e.disabled ? ", disabled" : ""} after ${e.crashes.length} crashes`));

// the chief asks the desk to re-enable an agent after a cool-down (an operator's action)
const cooling = new Set<ReturnType<typeof setTimeout>>();
orch.bus.subscribe("desk.enable", (m) => {
  const { agent, after } = m.payload as { agent: string; after: number };
  say(`chief: re-enable ${agent} in ${formatDuration(after)}`);
  const timer = setTimeout(() => {
    cooling.delete(timer);
    if (orch.phase === "running") orch.enable(agent);
  }, after);
  cooling.add(timer);
});

// Listen before any agent starts: a port in use is reported while nothing runs yet.
let listening: Listening;
try {
  listening = await orch.listen({
    ...(healthPort === undefined ? {} : { healthPort }),
    ...(metricsPort === undefined ? {} : { metricsPort }),
    host: args.host,
  });
} catch (error) {
  console.error(listenFailure(error) ?? `trading desk: cannot open the health and metrics listeners: ${describeThrown(error)}`);
  process.exit(1);
}

const started = Date.now();
try {
  await orch.start();
} catch (error) {
  console.error(`trading desk: could not start: ${describeThrown(error)}`);
  await orch.shutdown();
  await listening.close();
  process.exit(1);
}
console.log(`health:  http://${args.host}:${listening.healthPort}/healthz  (liveness: /livez)`);
console.log(`metrics: http://${args.host}:${listening.metricsPort}/metrics`);
console.log(`status:  http://${args.host === "0.0.0.0" ? "127.0.0.1" : args.host}:${listening.healthPort}/statusz  (open it in a browser; ${actionsOn ? "actions allowed from this machine" : "read-only: listening beyond this machine"})`);
console.log(tty ? "Ctrl-C stops the desk.\n" : "");

// The desk's quote screen: a quote from the pricer (a thread agent) every second. On the 4th second,
// and every 30 s after it, the screen asks for the instrument whose pricing model never converges.
const exotic = (config.agents?.pricer?.config as { exotic?: string } | undefined)?.exotic ?? "XAU-BARRIER";
const QUOTE_TIMEOUT = 500;
const symbols: string[] = [];
let pricesThisSecond = 0;
orch.bus.subscribe("prices.*", (m) => {
  const { symbol } = m.payload as Price;
  if (!symbols.includes(symbol)) symbols.push(symbol);
  pricesThisSecond++;
});
let quoteLine = "pricer: no quote yet";
let quoted = false;
/** Since when the pricer has not answered (undefined while it answers). */
let silentSince: number | undefined;
let quoteTicks = 0;
const askPricer = async (): Promise<void> => {
  quoteTicks++;
  const prices = pricesThisSecond;
  pricesThisSecond = 0;
  if (silentSince !== undefined) {
    // the main event loop is free while the pricer's thread spins: everything else carries on
    const running = orch.agents().filter((a) => a.name !== "pricer" && a.state === "running").map((a) => a.name);
    say(`desk: pricer silent for ${formatDuration(Date.now() - silentSince)}; meanwhile ${prices} prices arrived in the last second, health ${orch.health().ok ? "ok" : "failing"}, running: ${running.join(" ")}`);
  }
  const hang = quoteTicks === 4 || (quoteTicks > 4 && (quoteTicks - 4) % 30 === 0);
  const symbol = hang ? exotic : symbols[quoteTicks % Math.max(1, symbols.length)];
  if (symbol === undefined) return;
  if (hang) say(`desk: asking the pricer for ${exotic}, whose pricing model never converges`);
  const asked = Date.now();
  try {
    const quote = (await orch.bus.request("pricer.quote", { symbol }, { timeoutMs: QUOTE_TIMEOUT })) as Quote | null;
    const took = formatDuration(Date.now() - asked);
    const text = quote === null ? `no price for ${symbol} yet, in ${took}` : `${quote.symbol} ${quote.bid.toFixed(2)} / ${quote.ask.toFixed(2)} in ${took}`;
    quoteLine = `pricer: ${text}`;
    if (silentSince !== undefined) say(`desk: the pricer answers again after ${formatDuration(Date.now() - silentSince)}: ${text}`);
    else if (!quoted) say(`desk: first quote from the pricer's thread: ${text}`);
    quoted = true;
    silentSince = undefined;
  } catch (error) {
    if (stopping) return;
    if (silentSince === undefined) {
      silentSince = asked;
      const code = (error as { code?: unknown }).code;
      say(`desk: no quote for ${symbol} (${code === "REQUEST_TIMEOUT" ? `no answer within ${formatDuration(QUOTE_TIMEOUT)}` : describeThrown(error)})`);
    }
    quoteLine = `pricer: silent for ${formatDuration(Date.now() - silentSince)}`;
  }
};
const quotes = setInterval(() => void askPricer(), 1_000);

// the live status view
const columns = (status: AgentStatus): string => {
  const next = status.nextTriggerAt === undefined ? "-" : `${Math.max(0, Math.round((status.nextTriggerAt - Date.now()) / 100) / 10)}s`;
  const error = status.lastError === undefined ? "" : status.lastError.slice(0, 40);
  return `${status.name.padEnd(12)} ${status.group.padEnd(9)} ${paint(status.state).padEnd(tty ? 19 : 10)} ${String(status.restarts).padStart(8)} ${String(status.crashes).padStart(7)}  ${next.padStart(5)}  ${error}`;
};
const header = `${"agent".padEnd(12)} ${"group".padEnd(9)} ${"state".padEnd(10)} ${"restarts".padStart(8)} ${"crashes".padStart(7)}  ${"next".padStart(5)}  last error`;
function paint(state: string): string {
  if (!tty) return state;
  const color = state === "running" ? 32 : state === "backoff" || state === "starting" ? 33 : state === "disabled" || state === "failed" ? 31 : 90;
  return `\u001b[${color}m${state}\u001b[0m`;
}
const render = (): void => {
  const health = orch.health();
  const lines = [
    `trading desk — up ${formatDuration(Date.now() - started)} — health ${health.status} — ${quoteLine} — bus ${JSON.stringify(orch.bus.stats?.() ?? {})}`,
    "",
    header,
    ...orch.agents().map(columns),
    "",
    "recent:",
    ...recent.map((line) => `  ${line}`),
  ];
  process.stdout.write(`\u001b[H\u001b[J${lines.join("\n")}\n`);
};
const view = tty ? setInterval(render, 500) : undefined;
if (tty) process.stdout.write("\u001b[2J");

// stop: Ctrl-C, SIGTERM, --duration, or a fail-stop of a critical agent
let stopping = false;
const stop = async (why: string): Promise<void> => {
  if (stopping) return;
  stopping = true;
  if (view !== undefined) clearInterval(view);
  clearInterval(quotes);
  for (const timer of cooling) clearTimeout(timer);
  say(`stopping: ${why}`);
  await orch.shutdown({ reason: why });
  const closed = await orch.closed;
  if (tty) render();
  console.log(`\nsummary after ${formatDuration(Date.now() - started)} (${closed.reason}${closed.failed ? ", FAILED" : ""}):`);
  console.log(header);
  for (const status of orch.agents()) console.log(columns(status));
  const stats = orch.bus.stats?.();
  if (stats !== undefined) {
    console.log(`bus: ${stats.published} published, ${stats.delivered} delivered, ${stats.dropped} dropped, ${stats.handlerErrors} handler errors`);
  }
  const restarts = orch.agents().reduce((sum, a) => sum + a.restarts, 0);
  console.log(`total restarts: ${restarts}`);
  process.exitCode = closed.failed ? 1 : 0;
};
// a second Ctrl-C while stopping is ignored: the shutdown is bounded by shutdown.timeout (orchestrator.yaml)
const onSignal = (signal: NodeJS.Signals): void => {
  if (stopping) say(`${signal} again: already stopping, within shutdown.timeout`);
  else void stop(signal);
};
process.on("SIGINT", onSignal);
process.on("SIGTERM", onSignal);
if (duration !== undefined) setTimeout(() => void stop(`--duration ${formatDuration(duration)}`), duration);
void orch.closed.then((closed) => {
  if (closed.failed) void stop(closed.reason);
});
