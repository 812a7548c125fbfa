import { afterEach, describe, expect, test } from "vitest";
import { Agent, createOrchestrator, type Logger, type Orchestrator } from "../../src/index.js";
import type { StatusOptions } from "../../src/status/StatusOptions.js";
import { ManualClock } from "../../src/testing/ManualClock.js";

class Feed extends Agent {}

/** Fails on demand through its latest incarnation. */
class Risk extends Agent {
  static current: Risk | undefined;

  override start(): void {
    Risk.current = this;
  }
}

const opened: Orchestrator[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((orch) => orch.shutdown()));
});

function orchestrator(status?: StatusOptions): { orch: Orchestrator; clock: ManualClock; lines: string[] } {
  const clock = new ManualClock(new Date("2026-03-02T09:00:00Z"));
  const lines: string[] = [];
  const note = (_fields: object, message?: string): void => void lines.push(message ?? "");
  const logger: Logger = { debug: note, info: note, warn: note, error: note };
  const orch = createOrchestrator({
    agents: [
      { name: "feed", agent: Feed, group: "data" },
      { name: "risk", agent: Risk, group: "critical" },
    ],
    config: { groups: { critical: { restart: "always", critical: true } }, supervisor: { backoff: { initial: "1s", jitter: 0 } }, agents: { risk: { heartbeatTimeout: "10s" } } },
    clock,
    logger,
    keepAlive: false,
    ...(status === undefined ? {} : { status }),
  });
  opened.push(orch);
  return { orch, clock, lines };
}

const JSON_ACCEPT = { accept: "application/json" };

async function read(orch: Orchestrator, path = "http://ops.test/ops/statusz"): Promise<Record<string, unknown> & { agents: Array<Record<string, unknown>> }> {
  const response = await orch.fetch(new Request(path, { headers: JSON_ACCEPT }));
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, unknown> & { agents: Array<Record<string, unknown>> };
}

function act(orch: Orchestrator, query: string): Promise<Response> {
  return orch.fetch(new Request(`http://ops.test/ops/statusz?${query}`, { method: "POST", headers: { origin: "http://ops.test" } }));
}

describe("the orchestrator's status page", () => {
  test("orch.fetch answers a path ending in /statusz with the agents as they are, read-only without the status option", async () => {
    const { orch, clock } = orchestrator();
    await orch.start();
    await clock.advance(5_000);
    const document = await read(orch);
    expect(document).toMatchObject({ now: "2026-03-02T09:00:05.000Z", phase: "running", ready: true, actions: false });
    expect(document.agents).toEqual([
      expect.objectContaining({ name: "feed", group: "data", state: "running", critical: false, runningSince: "2026-03-02T09:00:00.000Z", restarts: 0, crashes: 0 }),
      expect.objectContaining({ name: "risk", group: "critical", critical: true, heartbeat: { at: "2026-03-02T09:00:00.000Z", timeoutMs: 10_000 } }),
    ]);
    expect(document["bus"]).toMatchObject({ published: expect.any(Number) as unknown, pending: 0 });
  });

  test("a crash shows as back-off with its kind, time and restart due; the message only with showErrors", async () => {
    for (const showErrors of [false, true]) {
      const { orch, clock } = orchestrator({ showErrors });
      await orch.start();
      Risk.current?.fail(new Error("db login failed: secret-password"));
      await clock.advance(0);
      const risk = (await read(orch)).agents[1];
      expect(risk).toMatchObject({ state: "backoff", crashes: 1, nextRestartAt: "2026-03-02T09:00:01.000Z", lastCrash: { reason: "fail", at: "2026-03-02T09:00:00.000Z" } });
      expect(JSON.stringify(risk).includes("secret-password")).toBe(showErrors);
      await orch.shutdown();
    }
  });

  test("an action allowed by the hook restarts the agent and logs who acted", async () => {
    const { orch, clock, lines } = orchestrator({ authorize: () => "alice" });
    await orch.start();
    const response = await act(orch, "action=restart&agent=risk");
    expect(await response.json()).toEqual({ ok: true, action: "restart", agent: "risk", by: "alice", outcome: "done" });
    await clock.advance(0);
    expect(orch.agent("risk")?.restarts).toBe(1);
    expect(lines).toContain('operator: restart "risk" by alice');
  });

  test("an unknown agent is a 404; an action before start() a 409 NOT_STARTED", async () => {
    const { orch } = orchestrator({ authorize: () => "alice" });
    const early = await act(orch, "action=restart&agent=risk");
    expect(early.status).toBe(409);
    expect(await early.json()).toMatchObject({ ok: false, code: "NOT_STARTED" });
    await orch.start();
    const unknown = await act(orch, "action=disable&agent=nope");
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ ok: false, code: "UNKNOWN_AGENT" });
  });

  test("orch.statusHandler works detached (no this), with the response objects frameworks hand over", async () => {
    const { orch } = orchestrator();
    await orch.start();
    const { statusHandler } = orch;
    const sent = await new Promise<{ status: number; body: string }>((resolve) => {
      let status = 0;
      statusHandler(
        { method: "GET", url: "/statusz?format=json", headers: { host: "ops.test" } },
        { headersSent: false, writeHead: (code: number) => (status = code), end: (body?: string) => resolve({ status, body: body ?? "" }) },
      );
    });
    expect(sent.status).toBe(200);
    expect(JSON.parse(sent.body)).toMatchObject({ phase: "running", agents: [{ name: "feed" }, { name: "risk" }] });
  });
});

describe("/statusz on the built-in listener", () => {
  test.each([
    ["is not served without the status option", undefined, 404],
    ["is served once the status option is given, even {}", {}, 200],
  ] as const)("%s", async (_what, status, expected) => {
    const { orch } = orchestrator(status);
    const listening = await orch.listen({ healthPort: 0, metricsPort: 0, host: "127.0.0.1" });
    const response = await fetch(`http://127.0.0.1:${listening.healthPort}/statusz?format=json`);
    expect(response.status).toBe(expected);
    await listening.close();
  });
});

describe("triggers on the orchestrator's status page", () => {
  class Reconcile extends Agent {
    override onCron(): void {}
  }

  test("each trigger reads with its expression and time zone; pause from the page is logged with who acted and shows as paused", async () => {
    const clock = new ManualClock(new Date("2026-03-02T09:00:00Z"));
    const lines: string[] = [];
    const note = (_fields: object, message?: string): void => void lines.push(message ?? "");
    const orch = createOrchestrator({
      agents: [{ name: "reconcile", agent: Reconcile }],
      config: { schedule: { reconcile: { cron: "0 16 * * 1-5", timezone: "America/New_York" } } },
      clock,
      logger: { debug: note, info: note, warn: note, error: note },
      keepAlive: false,
      status: { authorize: () => "alice" },
    });
    opened.push(orch);
    await orch.start();
    const before = (await read(orch)).agents[0]?.["triggers"];
    expect(before).toEqual([expect.objectContaining({ kind: "cron", expression: "0 16 * * 1-5", timezone: "America/New_York", paused: false, nextRunAt: "2026-03-02T21:00:00.000Z" })]);
    const response = await act(orch, "action=pause&agent=reconcile&trigger=" + encodeURIComponent((before as Array<{ name: string }>)[0]?.name ?? ""));
    expect(await response.json()).toMatchObject({ ok: true, action: "pause", agent: "reconcile", by: "alice" });
    expect((await read(orch)).agents[0]?.["triggers"]).toEqual([expect.objectContaining({ paused: true })]);
    expect(lines.some((line) => line.includes("by alice"))).toBe(true);
    const unknown = await act(orch, "action=resume&agent=reconcile&trigger=nope");
    expect(unknown.status).toBe(404);
  });
});
