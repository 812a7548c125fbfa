import { describe, expect, it } from "vitest";
import { createObservability } from "../../src/observe/index.js";
import { FakeSource } from "../helpers/observe/FakeSource.js";

function setup() {
  const source = new FakeSource();
  source.add("risk", { group: "critical", critical: true });
  return { source, fetch: createObservability(source).fetch };
}

describe("fetch (Fetch API handler)", () => {
  it.each([
    ["http://localhost/healthz", "ok\n"],
    ["http://localhost/ops/healthz", "ok\n"],
    ["http://localhost/ops/healthz/", "ok\n"],
    ["http://localhost/a/b/livez?verbose=1", "ok\n"],
  ])("answers %s on its last path segment", async (url, body) => {
    const { fetch } = setup();
    const response = await fetch(new Request(url));
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(await response.text()).toBe(body);
  });

  it("serves the metrics text under any mount point", async () => {
    const { fetch } = setup();
    const response = await fetch(new Request("http://localhost/internal/metrics"));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    expect(await response.text()).toContain('agent_state{agent="risk"} 1');
  });

  it.each(["http://localhost/", "http://localhost/health", "http://localhost/healthz/extra", "http://localhost/metricsz"])(
    "answers 404 for %s",
    async (url) => {
      const { fetch } = setup();
      const response = await fetch(new Request(url));
      expect(response.status).toBe(404);
    },
  );

  it("answers 503 and the JSON document when a critical agent is down", async () => {
    const { source, fetch } = setup();
    source.agent("risk").state = "backoff";
    const response = await fetch(new Request("http://localhost/healthz", { headers: { accept: "application/health+json" } }));
    expect(response.status).toBe(503);
    expect(response.headers.get("content-type")).toBe("application/health+json");
    expect(await response.json()).toMatchObject({ status: "fail", checks: { "agent:risk": [{ status: "fail", observedValue: "backoff" }] } });
  });

  it("answers 405 with Allow to other methods and HEAD without a body", async () => {
    const { fetch } = setup();
    const post = await fetch(new Request("http://localhost/healthz", { method: "POST", body: "x" }));
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, HEAD");
    const head = await fetch(new Request("http://localhost/metrics", { method: "HEAD" }));
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
  });
});
