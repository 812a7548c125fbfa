// Runs `npm run demo`'s program for a few seconds on free ports, as a new user
// would, and checks what they would see: the agents running, health answering,
// at least one restart, a clean exit.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));

test("the trading desk demo runs, restarts its flaky agent, serves health and exits 0", async () => {
  const child = spawn(process.execPath, ["--import", "tsx", "examples/trading-desk/main.ts", "--duration", "6s", "--health-port", "0", "--metrics-port", "0"], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let healthChecked: Promise<{ status: number; body: string }> | undefined;
  let metricsChecked: Promise<string> | undefined;
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    out += chunk;
    const health = /health: +(http:\/\/\S+\/healthz)/.exec(out);
    if (health?.[1] !== undefined && healthChecked === undefined) {
      healthChecked = fetch(health[1]).then(async (r) => ({ status: r.status, body: await r.text() }));
    }
    const metrics = /metrics: (http:\/\/\S+\/metrics)/.exec(out);
    if (metrics?.[1] !== undefined && metricsChecked === undefined) metricsChecked = fetch(metrics[1]).then((r) => r.text());
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
  for (const agent of ["market_data", "flaky_feed", "momentum", "risk", "chief"]) {
    expect(out).toContain(`state ${agent}: starting → running`);
  }
  expect(out).toMatch(/restart flaky_feed in \d+ms/);
  const restarts = Number(/total restarts: (\d+)/.exec(out)?.[1]);
  expect(restarts).toBeGreaterThanOrEqual(1);
  await expect(healthChecked).resolves.toEqual({ status: 200, body: "ok\n" });
  await expect(metricsChecked).resolves.toMatch(/agent_state\{agent="market_data"\} 1/);
}, 60_000);
