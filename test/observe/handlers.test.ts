import { Gauge, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { createObservability } from "../../src/observe/index.js";
import type { HealthDocument, Observability } from "../../src/observe/index.js";
import type { Logger } from "../../src/logger.js";
import { FakeSource, RecordingResponse, request } from "../helpers/observe/FakeSource.js";

function setup(): { source: FakeSource; observability: Observability } {
  const source = new FakeSource();
  source.add("feed");
  source.add("risk", { group: "critical", critical: true });
  return { source, observability: createObservability(source) };
}

function recordingLogger(): Logger & { errors: unknown[] } {
  const errors: unknown[] = [];
  const noop = () => undefined;
  return { errors, debug: noop, info: noop, warn: noop, error: (fields: object) => errors.push(fields) };
}

describe("healthHandler", () => {
  it("answers 200 ok as uncacheable plain text, even when called detached", () => {
    const { observability } = setup();
    const { healthHandler } = observability;
    const res = new RecordingResponse();
    healthHandler(request("GET"), res);
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe("ok\n");
    expect(res.header("content-type")).toBe("text/plain; charset=utf-8");
    expect(res.header("cache-control")).toBe("no-store");
    expect(res.header("content-length")).toBe(3);
  });

  it("answers 503 with a short reason when a critical agent is down, and 200 once it is back", () => {
    const { source, observability } = setup();
    source.agent("risk").state = "backoff";
    const down = new RecordingResponse();
    observability.healthHandler(request(), down);
    expect(down.statusCode).toBe(503);
    expect(down.body).toBe("unavailable: critical agent down\n");
    source.agent("risk").state = "running";
    const up = new RecordingResponse();
    observability.healthHandler(request(), up);
    expect(up.statusCode).toBe(200);
  });

  it("keeps answering 503 after a fail-stop", () => {
    const { source, observability } = setup();
    source.currentPhase = "failed";
    source.agent("risk").state = "failed";
    const res = new RecordingResponse();
    observability.healthHandler(request(), res);
    expect(res.statusCode).toBe(503);
    expect(res.body).toBe("unavailable: failed\n");
  });

  it("answers HEAD with the headers of GET and no body", () => {
    const { observability } = setup();
    const res = new RecordingResponse();
    observability.healthHandler(request("HEAD"), res);
    expect(res.statusCode).toBe(200);
    expect(res.header("content-length")).toBe(3);
    expect(res.ended).toBe(true);
    expect(res.body).toBeUndefined();
  });

  it.each(["POST", "PUT", "DELETE", "PATCH", "OPTIONS"])("answers %s with 405 and Allow: GET, HEAD", (method) => {
    const { observability } = setup();
    for (const handler of [observability.healthHandler, observability.livenessHandler]) {
      const res = new RecordingResponse();
      handler(request(method), res);
      expect(res.statusCode).toBe(405);
      expect(res.header("allow")).toBe("GET, HEAD");
    }
  });

  it("answers the IETF health-check JSON when asked for application/health+json", () => {
    const { source, observability } = setup();
    source.agent("feed").state = "backoff";
    const res = new RecordingResponse();
    observability.healthHandler(request("GET", "application/health+json"), res);
    expect(res.statusCode).toBe(200);
    expect(res.header("content-type")).toBe("application/health+json");
    const time = new Date(source.clock.now()).toISOString();
    const document = JSON.parse(res.body ?? "") as HealthDocument;
    expect(document).toEqual({
      status: "pass",
      checks: {
        "orchestrator:phase": [{ componentType: "system", status: "pass", observedValue: "running", time }],
        "agent:feed": [{ componentType: "agent", status: "warn", observedValue: "backoff", time, group: "data", path: ["data"] }],
        "agent:risk": [{ componentType: "agent", status: "pass", observedValue: "running", time, group: "critical", path: ["critical"] }],
      },
    });
  });

  it("marks a down critical agent and the document as fail", () => {
    const { source, observability } = setup();
    source.agent("risk").state = "disabled";
    const res = new RecordingResponse();
    observability.healthHandler(request("GET", "text/html;q=0.9, application/health+json"), res);
    expect(res.statusCode).toBe(503);
    const document = JSON.parse(res.body ?? "") as HealthDocument;
    expect(document.status).toBe("fail");
    expect(document.checks["agent:risk"]?.[0]).toMatchObject({ status: "fail", observedValue: "disabled" });
  });

  it("negotiates on Accept: application/json counts, a quality of 0 does not", () => {
    const { observability } = setup();
    const json = new RecordingResponse();
    observability.healthHandler(request("GET", "application/json"), json);
    expect(json.header("content-type")).toBe("application/health+json");
    const refused = new RecordingResponse();
    observability.healthHandler(request("GET", "application/health+json;q=0, text/plain"), refused);
    expect(refused.header("content-type")).toBe("text/plain; charset=utf-8");
  });

  it("leaves a response alone when something already answered it", () => {
    const { observability } = setup();
    const res = new RecordingResponse();
    res.headersSent = true;
    observability.healthHandler(request(), res);
    expect(res.ended).toBe(false);
  });
});

describe("livenessHandler", () => {
  it("answers 200 while the loop ticks, whatever the agents do", () => {
    const { source, observability } = setup();
    source.agent("risk").state = "failed";
    const res = new RecordingResponse();
    observability.livenessHandler(request(), res);
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe("ok\n");
  });

  it("answers 503 once the loop has stalled for more than three intervals", async () => {
    const { source, observability } = setup();
    await source.clock.advance(3_001);
    const res = new RecordingResponse();
    observability.livenessHandler(request(), res);
    expect(res.statusCode).toBe(503);
    expect(res.body).toBe("not live: loop stalled\n");
  });

  it("honours livenessMissedTicks", async () => {
    const source = new FakeSource();
    const observability = createObservability(source, { livenessMissedTicks: 10 });
    await source.clock.advance(9_000);
    const res = new RecordingResponse();
    observability.livenessHandler(request(), res);
    expect(res.statusCode).toBe(200);
  });

  it("reports the loop lag in the JSON document", async () => {
    const { source, observability } = setup();
    await source.clock.advance(1_200);
    const res = new RecordingResponse();
    observability.livenessHandler(request("GET", "application/health+json"), res);
    const document = JSON.parse(res.body ?? "") as HealthDocument;
    expect(document.status).toBe("pass");
    expect(document.checks["orchestrator:loop"]?.[0]).toMatchObject({ observedValue: 1_200, observedUnit: "ms", status: "pass" });
  });

  it("answers 503 after the orchestrator stopped", () => {
    const { source, observability } = setup();
    source.currentPhase = "stopped";
    const res = new RecordingResponse();
    observability.livenessHandler(request(), res);
    expect(res.statusCode).toBe(503);
    expect(res.body).toBe("not live: stopped\n");
  });
});

describe("metricsHandler", () => {
  it("serves the registry's text with its content type", async () => {
    const { observability } = setup();
    const res = new RecordingResponse();
    observability.metricsHandler(request(), res);
    await res.done();
    expect(res.statusCode).toBe(200);
    expect(res.header("content-type")).toBe(observability.registry.contentType);
    expect(res.header("cache-control")).toBe("no-store");
    expect(res.body).toContain('agent_state{agent="risk"} 1');
    expect(res.body).toBe(await observability.metrics());
  });

  it("answers 405 to POST", async () => {
    const { observability } = setup();
    const res = new RecordingResponse();
    observability.metricsHandler(request("POST"), res);
    await res.done();
    expect(res.statusCode).toBe(405);
    expect(res.header("allow")).toBe("GET, HEAD");
  });
});

describe("no internal detail ever reaches a response", () => {
  const SECRET = "secret-password";

  it("keeps an agent's last error out of every endpoint and format", async () => {
    const { source, observability } = setup();
    for (const agent of source.list) agent.lastError = `connect failed: ${SECRET}`;
    source.agent("risk").state = "backoff";
    const bodies: string[] = [];
    for (const handler of [observability.healthHandler, observability.livenessHandler, observability.metricsHandler]) {
      for (const accept of [undefined, "application/health+json"]) {
        for (const method of ["GET", "HEAD", "POST"]) {
          const res = new RecordingResponse();
          handler(request(method, accept), res);
          await res.done();
          bodies.push(`${res.body ?? ""} ${JSON.stringify(res.headers)}`);
        }
      }
    }
    for (const path of ["/healthz", "/livez", "/metrics", "/nope"]) {
      const response = await observability.fetch(new Request(`http://localhost${path}`, { headers: { accept: "application/health+json" } }));
      bodies.push(await response.text());
    }
    expect(bodies.join("\n")).not.toContain(SECRET);
  });

  it("answers 500 without the message when a metric collector throws, and logs the error", async () => {
    const registry = new Registry();
    new Gauge({
      name: "host_gauge",
      help: "a host metric that fails",
      registers: [registry],
      collect() {
        throw new Error(SECRET);
      },
    });
    const logger = recordingLogger();
    const observability = createObservability(new FakeSource(), { registry, logger });
    const res = new RecordingResponse();
    observability.metricsHandler(request(), res);
    await res.done();
    expect(res.statusCode).toBe(500);
    expect(res.body).toBe("internal error\n");
    expect(JSON.stringify(res.headers)).not.toContain(SECRET);
    expect(logger.errors).toHaveLength(1);
    const response = await observability.fetch(new Request("http://localhost/metrics"));
    expect(response.status).toBe(500);
    expect(await response.text()).not.toContain(SECRET);
  });

  it("answers 500 without the message when the source itself throws", () => {
    const source = new FakeSource();
    const logger = recordingLogger();
    const observability = createObservability(source, { logger });
    source.agents = () => {
      throw new Error(SECRET);
    };
    const res = new RecordingResponse();
    observability.healthHandler(request("GET", "application/health+json"), res);
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain(SECRET);
    expect(logger.errors).toHaveLength(1);
  });
});
