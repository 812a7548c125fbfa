import { createServer } from "node:net";
import type { Server } from "node:net";
import { inspect } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError } from "../../src/errors/ConfigError.js";
import { createOrchestrator } from "../../src/orchestrator/createOrchestrator.js";
import { ObservabilityError, createObservability } from "../../src/observe/index.js";
import type { Listening } from "../../src/observe/index.js";
import { FakeSource } from "../helpers/observe/FakeSource.js";

const HOST = "127.0.0.1";
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

function setup() {
  const source = new FakeSource();
  source.add("risk", { group: "critical", critical: true });
  const observability = createObservability(source);
  cleanups.push(() => observability.close());
  return { source, observability };
}

async function occupy(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
  return { port: address.port, server };
}

async function get(port: number, path: string, init: RequestInit = {}): Promise<{ status: number; body: string; type: string | null }> {
  const response = await fetch(`http://${HOST}:${port}${path}`, init);
  return { status: response.status, body: await response.text(), type: response.headers.get("content-type") };
}

describe("listen() (built-in listeners)", () => {
  it("serves /healthz and /livez on the health port and /metrics on the metrics port", async () => {
    const { observability } = setup();
    const listening = await observability.listen({ healthPort: 0, metricsPort: 0, host: HOST });
    expect(listening.healthPort).toBeGreaterThan(0);
    expect(listening.metricsPort).toBeGreaterThan(0);
    expect(listening.metricsPort).not.toBe(listening.healthPort);
    expect(await get(listening.healthPort, "/healthz")).toEqual({ status: 200, body: "ok\n", type: "text/plain; charset=utf-8" });
    expect((await get(listening.healthPort, "/livez?probe=k8s")).status).toBe(200);
    expect((await get(listening.healthPort, "/metrics")).status).toBe(404);
    const metrics = await get(listening.metricsPort, "/metrics");
    expect(metrics.status).toBe(200);
    expect(metrics.body).toContain('agent_state{agent="risk"} 1');
    expect((await get(listening.metricsPort, "/healthz")).status).toBe(404);
    expect((await get(listening.healthPort, "/healthz", { method: "POST" })).status).toBe(405);
  });

  it("answers 503 on the health port while a critical agent is down", async () => {
    const { source, observability } = setup();
    const listening = await observability.listen({ healthPort: 0, metricsPort: 0, host: HOST });
    source.agent("risk").state = "backoff";
    expect(await get(listening.healthPort, "/healthz")).toMatchObject({ status: 503, body: "unavailable: critical agent down\n" });
    source.currentPhase = "failed";
    expect(await get(listening.healthPort, "/healthz")).toMatchObject({ status: 503, body: "unavailable: failed\n" });
  });

  it("serves everything from one listener when both ports are the same", async () => {
    const { port, server } = await occupy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const { observability } = setup();
    const listening = await observability.listen({ healthPort: port, metricsPort: port, host: HOST });
    expect(listening).toMatchObject({ healthPort: port, metricsPort: port });
    expect((await get(port, "/healthz")).status).toBe(200);
    expect((await get(port, "/metrics")).body).toContain("agent_state");
    expect((await get(port, "/other")).status).toBe(404);
  });

  it("rejects with LISTEN_FAILED naming a port in use, and leaves nothing open", async () => {
    const { port } = await occupy();
    const { observability } = setup();
    const error = await observability.listen({ healthPort: port, metricsPort: 0, host: HOST }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ObservabilityError);
    expect(error).toMatchObject({ code: "LISTEN_FAILED", port });
    expect((error as Error).message).toContain(String(port));
    expect((error as Error).message).toContain("already in use");
    expect((error as Error).message).toContain("healthPort");
  });

  it("names the option that set a port in use, in listen() and in the config, and prints no field that does not apply", async () => {
    const { port } = await occupy();
    const source = new FakeSource();
    const logged: string[] = [];
    const logger = { debug: () => undefined, info: () => undefined, warn: (_f: object, m?: string) => logged.push(`warn ${m ?? ""}`), error: (_f: object, m?: string) => logged.push(`error ${m ?? ""}`) };
    const observability = createObservability(source, { logger });
    cleanups.push(() => observability.close());

    const health = (await observability.listen({ healthPort: port, metricsPort: 0, host: HOST }).catch((e: unknown) => e)) as ObservabilityError;
    expect(health).toMatchObject({ code: "LISTEN_FAILED", port, option: "healthPort" });
    expect(health.message).toContain("`listen({ healthPort })`");
    expect(health.message).toContain("`http.healthPort` in the orchestrator's config");
    const metrics = (await observability.listen({ healthPort: 0, metricsPort: port, host: HOST }).catch((e: unknown) => e)) as ObservabilityError;
    expect(metrics).toMatchObject({ code: "LISTEN_FAILED", port, option: "metricsPort" });
    expect(metrics.message).toContain("`listen({ metricsPort })`");
    expect(metrics.message).toContain("`http.metricsPort`");
    const shared = (await observability.listen({ healthPort: port, metricsPort: port, host: HOST }).catch((e: unknown) => e)) as ObservabilityError;
    expect(shared).toMatchObject({ code: "LISTEN_FAILED", port, option: "healthPort" });
    expect(shared.message).toMatch(/health and metrics listener .* `listen\(\{ healthPort, metricsPort \}\)`/);

    // printed as an uncaught error would be: no `metric: undefined`
    expect(Object.keys(health)).not.toContain("metric");
    expect(inspect(health)).not.toContain("undefined");
    // a failed bind is reported by the rejection alone, not logged as a listener error too
    expect(logged).toEqual([]);
  });

  it("closes the health listener again when the metrics port is taken", async () => {
    const { port: taken } = await occupy();
    const { port: free, server } = await occupy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const { observability } = setup();
    const error = await observability.listen({ healthPort: free, metricsPort: taken, host: HOST }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "LISTEN_FAILED", port: taken });
    expect((error as Error).message).toContain("metricsPort");
    await expect(get(free, "/healthz")).rejects.toThrow();
  });

  it("rejects a bad port with a ConfigError naming the option", async () => {
    const { observability } = setup();
    await expect(observability.listen({ healthPort: 70_000 })).rejects.toBeInstanceOf(ConfigError);
    await expect(observability.listen({ healthPort: 70_000 })).rejects.toMatchObject({ code: "INVALID_OPTION", path: "healthPort" });
    await expect(observability.listen({ host: "" })).rejects.toMatchObject({ code: "INVALID_OPTION", path: "host" });
    await expect(observability.listen({ metricsPort: 1.5 })).rejects.toThrow(/metricsPort.*1\.5/);
  });

  it("closes its listeners on close(), idempotently, and on the observability's close()", async () => {
    const { observability } = setup();
    const first: Listening = await observability.listen({ healthPort: 0, metricsPort: 0, host: HOST });
    const second = await observability.listen({ healthPort: 0, metricsPort: 0, host: HOST });
    expect((await get(first.healthPort, "/healthz")).status).toBe(200);
    await first.close();
    await first.close();
    await expect(get(first.healthPort, "/healthz")).rejects.toThrow();
    expect((await get(second.metricsPort, "/metrics")).status).toBe(200);
    await observability.close();
    await expect(get(second.metricsPort, "/metrics")).rejects.toThrow();
    await expect(get(second.healthPort, "/healthz")).rejects.toThrow();
  });
});

describe("orch.listen() before start()", () => {
  /** True while something accepts connections on `port`. */
  async function accepting(port: number): Promise<boolean> {
    return fetch(`http://${HOST}:${port}/livez`).then(
      () => true,
      () => false,
    );
  }

  it("shutdown() without start() closes the listeners it opened", async () => {
    const orch = createOrchestrator({ agents: [], logger: false, keepAlive: false });
    const listening = await orch.listen({ healthPort: 0, metricsPort: 0, host: HOST });
    expect(await accepting(listening.healthPort)).toBe(true);
    await orch.shutdown();
    expect(await accepting(listening.healthPort)).toBe(false);
    expect(await accepting(listening.metricsPort)).toBe(false);
  });

  it("shutdown() after a start() that failed loading a module closes them too", async () => {
    const orch = createOrchestrator({ agents: [], config: { agents: { ghost: { module: "file:///nowhere/at/all.mjs" } } }, logger: false, keepAlive: false });
    const listening = await orch.listen({ healthPort: 0, metricsPort: 0, host: HOST });
    await expect(orch.start()).rejects.toBeInstanceOf(ConfigError);
    expect(await accepting(listening.healthPort)).toBe(true);
    await orch.shutdown();
    expect(await accepting(listening.healthPort)).toBe(false);
  });
});
