import type { Server } from "node:http";
import { expect } from "vitest";
import { Agent, createOrchestrator } from "../../../src/index.js";
import type { Orchestrator } from "../../../src/index.js";
import { ManualClock } from "../../../src/testing/ManualClock.js";

/** Text that must never reach an HTTP response: it is the crashing agent's error message. */
export const SECRET = "secret-password";

/** A data agent that just runs. */
class Feed extends Agent {}

/** A critical agent the test crashes on demand; each incarnation registers itself. */
class Risk extends Agent {
  static current: Risk | undefined;

  override start(): void {
    Risk.current = this;
  }
}

/** A started orchestrator with a restartable critical agent, on a manual clock. */
export interface Scenario {
  readonly orch: Orchestrator;
  readonly clock: ManualClock;
  /** Crash the critical agent (`fail()` with an error whose message is {@link SECRET}) and let it settle. */
  crashRisk(): Promise<void>;
  /** Let the 1 s back-off pass, so the critical agent restarts. */
  restartRisk(): Promise<void>;
}

/**
 * Start an orchestrator with `feed` (group data) and `risk` (group critical,
 * made restartable: `restart: always`, back-off 1 s without jitter).
 */
export async function startScenario(): Promise<Scenario> {
  const clock = new ManualClock(new Date("2026-03-02T09:00:00Z"));
  const orch = createOrchestrator({
    agents: [
      { name: "feed", agent: Feed, group: "data" },
      { name: "risk", agent: Risk, group: "critical" },
    ],
    config: {
      groups: { critical: { restart: "always", critical: true } },
      supervisor: { backoff: { initial: "1s", jitter: 0 } },
    },
    clock,
    logger: false,
    keepAlive: false,
  });
  await orch.start();
  return {
    orch,
    clock,
    async crashRisk() {
      Risk.current?.fail(new Error(`db login failed: ${SECRET}`));
      await clock.advance(0);
    },
    async restartRisk() {
      await clock.advance(1_000);
    },
  };
}

interface Answer {
  readonly status: number;
  readonly body: string;
  readonly headers: Headers;
}

/**
 * Run the shared HTTP scenario against handlers mounted at `base` + `/healthz`,
 * `/livez` and `/metrics` by some framework: every answer, before and after a
 * critical crash and its restart, and after shutdown.
 */
export async function runHttpScenario(base: string, scenario: Scenario): Promise<void> {
  const seen: string[] = [];
  const call = async (path: string, init: RequestInit = {}): Promise<Answer> => {
    const response = await fetch(`${base}${path}`, init);
    const body = await response.text();
    response.headers.forEach((value, name) => seen.push(`${name}: ${value}`));
    seen.push(body);
    return { status: response.status, body, headers: response.headers };
  };
  const json = { headers: { accept: "application/health+json" } };

  // All critical agents up.
  const healthy = await call("/healthz");
  expect(healthy.status).toBe(200);
  expect(healthy.body).toBe("ok\n");
  expect(healthy.headers.get("content-type")).toBe("text/plain; charset=utf-8");
  expect(healthy.headers.get("cache-control")).toBe("no-store");
  expect((await call("/livez")).status).toBe(200);
  const document = await call("/healthz", json);
  expect(document.status).toBe(200);
  expect(document.headers.get("content-type")).toBe("application/health+json");
  expect(JSON.parse(document.body)).toMatchObject({
    status: "pass",
    checks: { "agent:risk": [{ componentType: "agent", status: "pass", observedValue: "running" }] },
  });
  const metrics = await call("/metrics");
  expect(metrics.status).toBe(200);
  expect(metrics.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
  expect(metrics.body).toContain('agent_state{agent="risk"} 1');
  expect(metrics.body).toContain('agent_state{agent="feed"} 1');

  // Methods.
  for (const path of ["/healthz", "/livez", "/metrics"]) {
    const post = await call(path, { method: "POST" });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, HEAD");
  }
  const head = await call("/healthz", { method: "HEAD" });
  expect(head.status).toBe(200);
  expect(head.body).toBe("");

  // The critical agent crashes: 503 and agent_state 0.
  await scenario.crashRisk();
  const down = await call("/healthz");
  expect(down.status).toBe(503);
  expect(down.body).toBe("unavailable: critical agent down\n");
  const failing = await call("/healthz", json);
  expect(failing.status).toBe(503);
  expect(JSON.parse(failing.body)).toMatchObject({ status: "fail", checks: { "agent:risk": [{ status: "fail", observedValue: "backoff" }] } });
  expect((await call("/livez")).status).toBe(200);
  const afterCrash = (await call("/metrics")).body;
  expect(afterCrash).toContain('agent_state{agent="risk"} 0');
  expect(afterCrash).toContain('agent_crashes_total{agent="risk",reason="fail"} 1');

  // It restarts after its back-off: 200 again.
  await scenario.restartRisk();
  expect(scenario.orch.agent("risk")?.state).toBe("running");
  expect(await call("/healthz")).toMatchObject({ status: 200, body: "ok\n" });
  const afterRestart = (await call("/metrics")).body;
  expect(afterRestart).toContain('agent_state{agent="risk"} 1');
  expect(afterRestart).toContain('agent_restarts_total{agent="risk"} 1');

  // Shut down: the host's server still answers, with 503.
  await scenario.orch.shutdown();
  expect(await call("/healthz")).toMatchObject({ status: 503, body: "unavailable: stopped\n" });
  expect((await call("/metrics")).body).toContain('agent_state{agent="risk"} 0');

  expect(seen.join("\n")).not.toContain(SECRET);
}

/** Listen on a free loopback port; resolves with the base URL. */
export async function listenOnLoopback(server: Server): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("server has no TCP address");
  return `http://127.0.0.1:${address.port}`;
}

/** Close a server and its keep-alive connections. */
export async function closeServer(server: Server): Promise<void> {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
