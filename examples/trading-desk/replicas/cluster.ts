// `npm run demo -- --replicas 3`: the trading desk as a cluster of replicas
// (replica.ts, one process each) over one NATS server, narrated from here.
//
// It finds a server (NATS_URL, else a `nats-server -js` of its own on a free
// loopback port), starts the replicas, and prints one line per lease event:
// which replica holds each singleton of replicas.yaml, and every move. Every
// `--kill-every` it kills -9 the replica holding the market-data feed, times
// how long the feed takes to move, and starts the replica again (a new
// process, same name) once it has moved. It also listens to the prices on
// the shared bus and checks that they come from one holder at a time (their
// fencing token). `--duration`, Ctrl-C or SIGTERM stop every replica
// gracefully and print a summary.
import { spawn, type ChildProcess } from "node:child_process";
import { accessSync, constants, mkdtempSync, rmSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { jetstreamManager } from "@nats-io/jetstream";
import { describeThrown } from "../../../src/errors/describeThrown.js";
import { formatDuration, LEASE_TOKEN_HEADER, loadConfig, toMilliseconds } from "../../../src/index.js";
import { createNatsBus, type NatsBus } from "../../../src/nats/index.js";

/** The singleton whose holder is killed. */
const FEED = "market_data";
const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const REPLICA = fileURLToPath(new URL("./replica.ts", import.meta.url));

export interface ClusterOptions {
  readonly replicas: number;
  /** Kill the feed's holder this often (ms); undefined: never. */
  readonly killEvery: number | undefined;
  /** Stop after this long (ms); undefined: at Ctrl-C. */
  readonly duration: number | undefined;
  /** Replica i serves health on base + i (and metrics on its own base + i); free ports when undefined. */
  readonly healthPort: number | undefined;
  readonly metricsPort: number | undefined;
  readonly host: string;
}

interface Replica {
  readonly name: string;
  readonly index: number;
  readonly child: ChildProcess;
  ready: boolean;
  /** Killed by the demo (SIGKILL). */
  killed: boolean;
  stderr: string;
  readonly exited: Promise<number | null>;
}

interface Holder {
  readonly replica: string;
  readonly token: number;
  readonly since: number;
}

/** A singleton whose holder was killed, until another replica takes it. */
interface Pending {
  readonly victim: Replica;
  readonly token: number;
  readonly at: number;
}

interface Move {
  readonly agent: string;
  readonly from: string;
  readonly fromToken: number;
  readonly to: string;
  readonly toToken: number;
  readonly after: number;
  readonly cause: string;
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** Run the cluster demo to its end; resolves with the exit code. */
export async function runCluster(options: ClusterOptions): Promise<number> {
  const started = Date.now();
  const say = (line: string): void => console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${line}`);

  const config = await loadConfig(fileURLToPath(new URL("../replicas.yaml", import.meta.url)));
  const singletons = Object.entries(config.agents ?? {}).flatMap(([agent, entry]) => (entry.placement === "singleton" ? [agent] : []));
  const ttl = toMilliseconds(config.lease?.ttl) ?? 10_000;

  let server: Awaited<ReturnType<typeof natsServer>>;
  try {
    server = await natsServer();
  } catch (error) {
    console.error(`trading desk: ${describeThrown(error)}`);
    return 1;
  }
  if (server === undefined) {
    console.error(
      "trading desk: --replicas needs a NATS server with JetStream: install nats-server (e.g. apt-get install nats-server, " +
        "or https://github.com/nats-io/nats-server/releases) so the demo can start one, or set NATS_URL=nats://host:4222 to use yours",
    );
    return 2;
  }
  const run = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  let watcher: NatsBus;
  try {
    watcher = await createNatsBus({ servers: server.url, name: "trading-desk-cluster" }, { prefix: `desk.${run}` });
  } catch (error) {
    console.error(`trading desk: cannot connect to NATS at ${server.url}: ${describeThrown(error)}`);
    await server.stop();
    return 1;
  }
  say(`${server.started ? "started nats-server -js" : "NATS_URL"}: ${server.url}; run ${run} (subjects desk.${run}.*, buckets desk-slots-${run}, desk-leases-${run})`);
  say(
    `${options.replicas} replicas; singletons ${singletons.join(", ")} (lease ttl ${formatDuration(ttl)}); ` +
      `${options.killEvery === undefined ? "no kills" : `kill -9 the holder of ${FEED} every ${formatDuration(options.killEvery)}`}; ` +
      `${options.duration === undefined ? "Ctrl-C stops" : `stopping after ${formatDuration(options.duration)}`}`,
  );

  // --- the prices on the shared bus, by fencing token ---
  const byToken = new Map<number, number>();
  let priceToken: number | undefined;
  let lastPriceAt = 0;
  let stale = 0;
  let unfenced = 0;
  const holderOf = new Map<number, string>();
  watcher.subscribe("prices.*", (message) => {
    const raw = message.headers?.[LEASE_TOKEN_HEADER];
    const token = raw === undefined ? undefined : Number(raw);
    if (token === undefined) {
      unfenced++;
      return;
    }
    byToken.set(token, (byToken.get(token) ?? 0) + 1);
    if (priceToken !== undefined && token < priceToken) {
      stale++;
      say(`WARNING: a price from token ${token} after prices from token ${priceToken}: two holders at once`);
    } else if (token !== priceToken) {
      const from = holderOf.get(token) ?? "?";
      say(priceToken === undefined ? `prices flowing from ${from} (token ${token})` : `prices now from ${from} (token ${token}), ${seconds(Date.now() - lastPriceAt)} after the last one from token ${priceToken}`);
      priceToken = token;
    }
    lastPriceAt = Date.now();
  });

  // --- the replicas ---
  const replicas: Array<Replica | undefined> = [];
  const holders = new Map<string, Holder>();
  const pending = new Map<string, Pending>();
  const released = new Map<string, { by: string; token: number; at: number; reason: string }>();
  const history = new Map<string, Holder[]>(singletons.map((agent) => [agent, []]));
  const moves: Move[] = [];
  const notices = new Set<string>();
  let kills = 0;
  let stopping = false;
  let everReady = false;
  let finish: (code: number) => void = () => undefined;
  const finished = new Promise<number>((resolve) => (finish = resolve));

  const portFor = (base: number | undefined, index: number): string => String(base === undefined || base === 0 ? 0 : base + index);
  const spawnReplica = (index: number): Replica => {
    const name = `replica-${index}`;
    const args = ["--name", name, "--nats", server.url, "--run", run, "--host", options.host, "--health-port", portFor(options.healthPort, index), "--metrics-port", portFor(options.metricsPort, index)];
    const child = spawn(process.execPath, ["--import", "tsx", REPLICA, ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    const replica: Replica = {
      name,
      index,
      child,
      ready: false,
      killed: false,
      stderr: "",
      exited: new Promise((resolve) => child.once("close", (code) => resolve(code))),
    };
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => (replica.stderr = (replica.stderr + chunk).slice(-4_000)));
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
      let event: Record<string, unknown>;
      try {
        event = JSON.parse(line) as Record<string, unknown>;
      } catch {
        say(`${name}: ${line}`);
        return;
      }
      onEvent(replica, event);
    });
    void replica.exited.then((code) => onExit(replica, code));
    replicas[index] = replica;
    return replica;
  };

  const onEvent = (replica: Replica, event: Record<string, unknown>): void => {
    const agent = String(event["agent"]);
    const token = Number(event["token"]);
    switch (event["type"]) {
      case "ready":
        replica.ready = true;
        everReady = true;
        say(`${replica.name} up (pid ${String(event["pid"])}): health ${String(event["health"])}  metrics ${String(event["metrics"])}  status ${String(event["status"])}`);
        break;
      case "notice":
        if (!notices.has(String(event["message"]))) say(`note: ${String(event["message"])}`);
        notices.add(String(event["message"]));
        break;
      case "log":
        if (event["level"] !== "info") say(`${replica.name}: ${String(event["message"])}`);
        break;
      case "lease":
        if (event["kind"] === "acquired") acquired(replica, agent, token);
        else if (event["kind"] === "released") {
          say(`${replica.name} released ${agent} (token ${token}, ${String(event["reason"])})`);
          released.set(agent, { by: replica.name, token, at: Date.now(), reason: String(event["reason"]) });
          if (holders.get(agent)?.replica === replica.name) holders.delete(agent);
        } else {
          say(`${replica.name} lost ${agent} (token ${token}, ${String(event["reason"])})`);
          if (holders.get(agent)?.replica === replica.name) holders.delete(agent);
        }
        break;
      case "stopped":
        say(`${replica.name} stopped (${String(event["reason"])}${event["failed"] === true ? ", FAILED" : ""}) in ${String(event["took"])}`);
        break;
      default:
        break;
    }
  };

  const acquired = (replica: Replica, agent: string, token: number): void => {
    const now = Date.now();
    holderOf.set(token, replica.name);
    holders.set(agent, { replica: replica.name, token, since: now });
    history.get(agent)?.push({ replica: replica.name, token, since: now });
    const killed = pending.get(agent);
    const gave = released.get(agent);
    released.delete(agent);
    if (killed !== undefined) {
      pending.delete(agent);
      const after = now - killed.at;
      moves.push({ agent, from: killed.victim.name, fromToken: killed.token, to: replica.name, toToken: token, after, cause: "killed" });
      say(`${agent} moved to ${replica.name} (token ${token}) after ${seconds(after)}`);
      respawnWhenSettled(killed.victim);
    } else if (gave !== undefined) {
      const after = now - gave.at;
      if (!stopping) moves.push({ agent, from: gave.by, fromToken: gave.token, to: replica.name, toToken: token, after, cause: gave.reason });
      say(`${agent} moved to ${replica.name} (token ${token}) ${seconds(after)} after ${gave.by} released it (${gave.reason})`);
    } else {
      say(`${replica.name} holds ${agent} (token ${token})`);
    }
  };

  /** Start the victim again once none of the singletons it held waits for a new holder. */
  const respawnWhenSettled = (victim: Replica): void => {
    if (stopping || [...pending.values()].some((p) => p.victim === victim) || replicas[victim.index] !== victim) return;
    const again = spawnReplica(victim.index);
    say(`respawned ${again.name} (pid ${again.child.pid ?? "?"})`);
  };

  const onExit = (replica: Replica, code: number | null): void => {
    if (stopping || replica.killed || replicas[replica.index] !== replica) return;
    const why = replica.stderr.trim().split("\n").at(-1) ?? "";
    say(`${replica.name} exited unexpectedly (code ${code ?? "signal"})${why === "" ? "" : `: ${why}`}`);
    for (const [agent, holder] of holders) if (holder.replica === replica.name) holders.delete(agent);
    if (!everReady) {
      void stop("a replica could not start", 1);
      return;
    }
    setTimeout(() => {
      if (!stopping && replicas[replica.index] === replica) say(`respawned ${spawnReplica(replica.index).name}`);
    }, 1_000);
  };

  // --- the killer ---
  let nextKillAt = options.killEvery === undefined ? Infinity : started + options.killEvery;
  const kill = (): void => {
    const now = Date.now();
    if (stopping || now < nextKillAt || pending.size > 0) return;
    if (replicas.filter((r) => r?.ready === true).length < options.replicas) return;
    const feed = holders.get(FEED);
    if (feed === undefined || now - feed.since < 1_000) return;
    // not when the demo ends before the lease could run out: the move would not be seen
    if (options.duration !== undefined && started + options.duration - now < ttl + 2_000) return;
    const victim = replicas.find((r) => r?.name === feed.replica);
    if (victim === undefined) return;
    const held = [...holders].filter(([, h]) => h.replica === victim.name);
    const also = held.filter(([agent]) => agent !== FEED).map(([agent, h]) => `; also of ${agent}, token ${h.token}`);
    for (const [agent, h] of held) {
      pending.set(agent, { victim, token: h.token, at: now });
      holders.delete(agent);
    }
    victim.killed = true;
    victim.child.kill("SIGKILL");
    kills++;
    say(`killed ${victim.name} (holder of ${FEED}, token ${feed.token}${also.join("")})`);
    nextKillAt = now + (options.killEvery ?? Infinity);
    // a lease nobody takes in time is reported, and the victim comes back all the same
    setTimeout(() => {
      for (const [agent, p] of pending) {
        if (p.victim !== victim) continue;
        pending.delete(agent);
        say(`${agent}: no replica took it within ${seconds(Date.now() - p.at)} of the kill`);
      }
      respawnWhenSettled(victim);
    }, 2 * ttl + 3_000).unref();
  };
  const killer = setInterval(kill, 100);

  // --- the end ---
  let exitCode = 0;
  const stop = async (why: string, code = 0): Promise<void> => {
    if (stopping) return;
    stopping = true;
    exitCode = code;
    clearInterval(killer);
    say(`stopping: ${why}`);
    const live = replicas.filter((r): r is Replica => r !== undefined && r.child.exitCode === null && r.child.signalCode === null);
    for (const replica of live) replica.child.kill("SIGTERM");
    const codes = await Promise.all(
      live.map(async (replica) => {
        const forced = setTimeout(() => replica.child.kill("SIGKILL"), 15_000);
        const exit = await replica.exited;
        clearTimeout(forced);
        return [replica.name, exit] as const;
      }),
    );
    if (codes.some(([, exit]) => exit !== 0)) exitCode = Math.max(exitCode, 1);
    // the run's buckets: on a server of the user's, leave nothing behind
    try {
      const manager = await jetstreamManager(watcher.natsConnection);
      for (const bucket of [`desk-slots-${run}`, `desk-leases-${run}`]) await manager.streams.delete(`KV_${bucket}`).catch(() => false);
    } catch {
      // a server without JetStream: there is nothing to remove
    }
    await watcher.close();
    await server.stop();

    console.log(`\nsummary after ${seconds(Date.now() - started)}: ${options.replicas} replicas, ${kills} killed`);
    for (const [agent, holdersOf] of history) {
      const chain = holdersOf.map((h, i) => {
        const move = i === 0 ? undefined : moves.find((m) => m.agent === agent && m.toToken === h.token);
        return `${h.replica} (token ${h.token}${move === undefined ? "" : `, after ${seconds(move.after)}${move.cause === "killed" ? "" : `, ${move.cause}`}`})`;
      });
      console.log(`  ${agent}: ${chain.join(" → ") || "never held"}`);
    }
    const takeovers = moves.filter((m) => m.cause === "killed" && m.agent === FEED);
    console.log(
      `${FEED} takeovers after a kill: ${takeovers.length === 0 ? "none" : takeovers.map((m) => seconds(m.after)).join(", ")} ` +
        `(lease ttl ${formatDuration(ttl)}: at most about ${seconds(ttl + ttl / 10)})`,
    );
    const tokens = [...byToken.keys()];
    const total = [...byToken.values()].reduce((sum, n) => sum + n, 0);
    if (total === 0) console.log("prices: none received");
    else console.log(
      `prices: ${total} received from ${tokens.length} holder${tokens.length === 1 ? "" : "s"} in turn (token${tokens.length === 1 ? "" : "s"} ${tokens.join(", ")}), ` +
        `${stale === 0 ? "never two at once" : `${stale} from a former holder after its successor began`}${unfenced === 0 ? "" : `, ${unfenced} without a token`}`,
    );
    console.log(`replicas stopped: ${codes.map(([name, exit]) => `${name} exit ${exit ?? "signal"}`).join(", ")}`);
    finish(exitCode);
  };
  const onSignal = (signal: NodeJS.Signals): void => void stop(signal);
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const timer = options.duration === undefined ? undefined : setTimeout(() => void stop(`--duration ${formatDuration(options.duration ?? 0)}`), options.duration);

  for (let index = 1; index <= options.replicas; index++) spawnReplica(index);
  const code = await finished;
  if (timer !== undefined) clearTimeout(timer);
  process.off("SIGINT", onSignal);
  process.off("SIGTERM", onSignal);
  return code;
}

/** The server to use: NATS_URL, else a nats-server -js of this demo's own on a free loopback port; undefined: neither. */
async function natsServer(): Promise<{ url: string; started: boolean; stop(): Promise<void> } | undefined> {
  const fromEnv = process.env["NATS_URL"];
  if (fromEnv !== undefined && fromEnv !== "") return { url: fromEnv, started: false, stop: async () => undefined };
  if (!onPath("nats-server")) return undefined;
  const port = await freePort();
  const store = mkdtempSync(join(tmpdir(), "trading-desk-nats-"));
  // its own process group: a Ctrl-C reaches the replicas, which release their leases on this server, and not the server
  const child = spawn("nats-server", ["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", store], { stdio: "ignore", detached: true });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const cleanup = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    rmSync(store, { recursive: true, force: true });
  };
  process.once("exit", cleanup);
  const deadline = Date.now() + 10_000;
  while (!(await accepts(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      cleanup();
      throw new Error(`nats-server did not start on 127.0.0.1:${port}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url: `nats://127.0.0.1:${port}`,
    started: true,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const forced = setTimeout(() => child.kill("SIGKILL"), 3_000);
        await exited;
        clearTimeout(forced);
      }
      rmSync(store, { recursive: true, force: true });
    },
  };
}

function onPath(binary: string): boolean {
  return (process.env["PATH"] ?? "").split(delimiter).some((dir) => {
    if (dir === "") return false;
    try {
      accessSync(join(dir, binary), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
