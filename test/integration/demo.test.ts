// Runs `npm run demo`'s program for a few seconds on free ports, as a new user
// would, and checks what they would see: the agents running, health answering,
// at least one restart, the one_for_all group restarting the strategy with its
// feed, the thread agent that hangs terminated and restarted while the rest of
// the desk runs on, a clean exit; and, with a port already taken, one line
// naming the flag to change, before any agent starts.
import { spawn } from "node:child_process";
import { createServer, type Server } from "node:net";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));

test("the trading desk demo runs, restarts its flaky agent and its group, restarts its hung thread agent, serves health and exits 0", async () => {
  const child = spawn(process.execPath, ["--import", "tsx", "examples/trading-desk/main.ts", "--duration", "12s", "--health-port", "0", "--metrics-port", "0"], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let healthChecked: Promise<{ status: number; body: string }> | undefined;
  let metricsChecked: Promise<string> | undefined;
  let statusChecked: Promise<{ agents: Array<{ name: string }>; actions: boolean }> | undefined;
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    out += chunk;
    const health = /health: +(http:\/\/\S+\/healthz)/.exec(out);
    if (health?.[1] !== undefined && healthChecked === undefined) {
      healthChecked = fetch(health[1]).then(async (r) => ({ status: r.status, body: await r.text() }));
    }
    const metrics = /metrics: (http:\/\/\S+\/metrics)/.exec(out);
    if (metrics?.[1] !== undefined && metricsChecked === undefined) metricsChecked = fetch(metrics[1]).then((r) => r.text());
    const status = /status: +(http:\/\/\S+\/statusz)/.exec(out);
    if (status?.[1] !== undefined && statusChecked === undefined) {
      statusChecked = fetch(`${status[1]}?format=json`).then(async (r) => (await r.json()) as { agents: Array<{ name: string }>; actions: boolean });
    }
  });
  let err = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (err += chunk));
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 45_000);
    child.on("exit", (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  expect(err).toBe("");
  expect(code).toBe(0);
  for (const agent of ["market_data", "flaky_feed", "momentum", "risk", "chief", "pricer"]) {
    expect(out).toContain(`state ${agent}: starting → running`);
  }
  expect(out).toMatch(/restart flaky_feed in \d+ms/);
  // one_for_all: the feed's crash restarts the strategy too
  expect(out).toContain("restart momentum with its group trading (one_for_all: flaky_feed crashed)");
  // the thread agent hangs, is terminated after its heartbeatTimeout and restarted; the desk runs on meanwhile
  expect(out).toContain("desk: asking the pricer for XAU-BARRIER");
  expect(out).toMatch(/error agent "pricer" crashed \(hung\)/);
  expect(out).toMatch(/pricer hung \(thread terminated after 2s\), restarting in \d+ms/);
  expect(out).toMatch(/desk: pricer silent for .*; meanwhile [1-9]\d* prices arrived in the last second, health ok/);
  expect(out).toContain("desk: the pricer answers again");
  expect(out.split("state pricer: starting → running").length - 1).toBeGreaterThanOrEqual(2);
  const restarts = Number(/total restarts: (\d+)/.exec(out)?.[1]);
  expect(restarts).toBeGreaterThanOrEqual(1);
  await expect(healthChecked).resolves.toEqual({ status: 200, body: "ok\n" });
  await expect(metricsChecked).resolves.toMatch(/agent_state\{agent="market_data"\} 1/);
  const status = await statusChecked;
  expect(status?.actions).toBe(true);
  expect(status?.agents.map((agent) => agent.name).sort()).toEqual(["chief", "flaky_feed", "market_data", "momentum", "pricer", "risk"]);
}, 60_000);

/** Run the demo with `args` to its end: exit code and output. */
async function demo(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", "examples/trading-desk/main.ts", ...args], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (err += chunk));
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.on("exit", (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  return { code, out, err };
}

async function occupy(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return { port: address.port, server };
}

for (const [flag, other] of [
  ["--health-port", "--metrics-port"],
  ["--metrics-port", "--health-port"],
] as const) {
  test(`the demo with ${flag} already in use exits 1 before any agent starts, naming ${flag}, without a stack trace`, async () => {
    const { port, server } = await occupy();
    try {
      const { code, out, err } = await demo(["--duration", "5s", flag, String(port), other, "0"]);
      const all = out + err;
      expect(code).toBe(1);
      expect(err).toContain(`127.0.0.1:${port}`);
      expect(err).toContain("already in use");
      expect(err).toContain(`Choose another port with ${flag}`);
      expect(all).not.toMatch(/^\s+at /m);
      expect(all).not.toContain("ObservabilityError");
      expect(all).not.toContain("undefined");
      // no agent started: nothing of theirs was printed, not even a state change
      expect(out).not.toMatch(/state |restart |escalation |summary/);
      expect(err.trim().split("\n")).toHaveLength(2);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }, 40_000);
}
