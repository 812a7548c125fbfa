import { Gauge, Registry } from "prom-client";
import { describe, expect, it, vi } from "vitest";
import type { Logger } from "../../src/logger.js";
import { createObservability } from "../../src/observe/index.js";
import { FakeSource, RecordingResponse, request } from "../helpers/observe/FakeSource.js";
import { loopTurns } from "../helpers/loopTurns.js";

function recordingLogger(): Logger & { errors: unknown[] } {
  const errors: unknown[] = [];
  const noop = () => undefined;
  return { errors, debug: noop, info: noop, warn: noop, error: (fields: object) => errors.push(fields) };
}

function source(agents: number): FakeSource {
  const fake = new FakeSource();
  for (let i = 0; i < agents; i++) fake.add(`agent_${i}`);
  return fake;
}


describe("concurrent scrapes", () => {
  it("share one render of the registry across metrics(), metricsHandler and fetch", async () => {
    const observability = createObservability(source(2));
    // every render makes one pass over the registry's metrics
    const renders = vi.spyOn(observability.registry, "getMetricsAsArray");
    const responses = [new RecordingResponse(), new RecordingResponse()];
    const texts = [observability.metrics(), observability.metrics()];
    for (const res of responses) observability.metricsHandler(request(), res);
    const fetched = observability.fetch(new Request("http://localhost/metrics"));
    const [a, b] = await Promise.all(texts);
    await Promise.all(responses.map((res) => res.done()));
    const response = await fetched;
    expect(renders).toHaveBeenCalledTimes(1);
    expect(a).toContain('agent_state{agent="agent_1"} 1');
    expect(b).toBe(a);
    for (const res of responses) {
      expect(res.statusCode).toBe(200);
      expect(res.body).toBe(a);
      expect(res.header("content-length")).toBe(Buffer.byteLength(a ?? ""));
    }
    expect(await response.text()).toBe(a);
  });

  it("give a scrape that joins a render in flight that render's text", async () => {
    const fake = source(1);
    const observability = createObservability(fake);
    const first = observability.metrics();
    fake.agent("agent_0").state = "backoff";
    const joined = observability.metrics();
    expect(await joined).toBe(await first);
    expect(await first).toContain('agent_state{agent="agent_0"} 1');
  });

  it("render afresh for a scrape that arrives after the render settled, never serving its text again", async () => {
    const fake = source(1);
    const observability = createObservability(fake);
    const renders = vi.spyOn(observability.registry, "getMetricsAsArray");
    expect(await observability.metrics()).toContain('agent_state{agent="agent_0"} 1');
    fake.agent("agent_0").state = "backoff";
    expect(await observability.metrics()).toContain('agent_state{agent="agent_0"} 0');
    const res = new RecordingResponse();
    fake.agent("agent_0").state = "running";
    observability.metricsHandler(request(), res);
    await res.done();
    expect(res.body).toContain('agent_state{agent="agent_0"} 1');
    expect(renders).toHaveBeenCalledTimes(3);
  });

  it("send one error to every joined scraper and log it once when a collector throws, then render afresh", async () => {
    const registry = new Registry();
    const failure = new Error("collector failed");
    let failing = true;
    new Gauge({
      name: "host_gauge",
      help: "a host metric that fails on demand",
      registers: [registry],
      collect() {
        if (failing) throw failure;
        this.set(1);
      },
    });
    const logger = recordingLogger();
    const observability = createObservability(source(1), { registry, logger });
    const texts = [observability.metrics(), observability.metrics()];
    const responses = [new RecordingResponse(), new RecordingResponse(), new RecordingResponse()];
    for (const res of responses) observability.metricsHandler(request(), res);
    const fetched = observability.fetch(new Request("http://localhost/metrics"));
    for (const text of texts) await expect(text).rejects.toBe(failure);
    await Promise.all(responses.map((res) => res.done()));
    for (const res of responses) {
      expect(res.statusCode).toBe(500);
      expect(res.body).toBe("internal error\n");
    }
    expect((await fetched).status).toBe(500);
    expect(logger.errors).toHaveLength(1);
    expect(logger.errors[0]).toMatchObject({ err: failure, endpoint: "metrics" });

    failing = false;
    const res = new RecordingResponse();
    observability.metricsHandler(request(), res);
    await res.done();
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain("host_gauge 1");
  });

  it("serve the shared registry's whole text to each orchestrator's scrapers", async () => {
    const registry = new Registry();
    new Gauge({ name: "host_orders_open", help: "a host metric", registers: [registry] }).set(3);
    const first = createObservability(source(1), { registry, prefix: "first_" });
    const second = createObservability(source(2), { registry, prefix: "second_" });
    const renders = vi.spyOn(registry, "getMetricsAsArray");
    const res = new RecordingResponse();
    first.metricsHandler(request(), res);
    const [a, b] = await Promise.all([first.metrics(), second.metrics()]);
    await res.done();
    // one render per orchestrator, each of the whole registry
    expect(renders).toHaveBeenCalledTimes(2);
    for (const text of [a, b, res.body]) {
      expect(text).toContain("host_orders_open 3");
      expect(text).toContain('first_agent_state{agent="agent_0"} 1');
      expect(text).toContain('second_agent_state{agent="agent_1"} 1');
    }
    expect(res.body).toBe(a);
  });
});

describe("large renders", () => {
  it("let /healthz answer between metrics while 1,000 agents are rendered", async () => {
    const observability = createObservability(source(1_000));
    const events: string[] = [];
    const rendered = observability.metrics().then((text) => {
      events.push("rendered");
      return text;
    });
    setImmediate(() => {
      const res = new RecordingResponse();
      observability.healthHandler(request(), res);
      events.push(`health ${res.statusCode}`);
    });
    const text = await rendered;
    expect(events).toEqual(["health 200", "rendered"]);
    expect(text).toContain('agent_state{agent="agent_999"} 1');
    expect(text).toBe(await observability.registry.metrics());
  });

  it("render a small registry without giving up the event loop", async () => {
    const observability = createObservability(source(2));
    const events: string[] = [];
    setImmediate(() => events.push("other work"));
    await observability.metrics();
    events.push("rendered");
    expect(events).toEqual(["rendered"]);
  });

  it("write the replies of one shared render in turns, with other work between them", async () => {
    const observability = createObservability(source(1_000));
    const turns = loopTurns();
    try {
      const responses = [new RecordingResponse(), new RecordingResponse(), new RecordingResponse()];
      const sentAt: number[] = [];
      for (const res of responses) {
        observability.metricsHandler(request(), res);
        void res.done().then(() => sentAt.push(turns.now()));
      }
      await Promise.all(responses.map((res) => res.done()));
      const [first, second, third] = sentAt;
      expect(second).toBeGreaterThan(first ?? 0);
      expect(third).toBeGreaterThan(second ?? 0);
      const text = await observability.metrics();
      for (const res of responses) expect(res.body).toBe(text);
    } finally {
      turns.stop();
    }
  });
});
