import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { loadConfig } from "../../src/config/loadConfig.js";
import type { HandlerResponse } from "../../src/observe/HttpReply.js";
import type { Orchestrator } from "../../src/orchestrator/Orchestrator.js";
import { countedAgent, expectNoPollution, processSnapshot, refuseConfig } from "../helpers/chaosBadInput.js";
import { scriptedAgent, setup } from "../helpers/orchestrator.js";

// What the health, liveness and metrics endpoints must never say, how agent names are kept out of
// label injection, and what the YAML loader refuses to do.

const SECRET_CRASH = "crash-secret-7f3a91";
const SECRET_CONFIG = "config-secret-c0ffee";
const SECRET_STOP = "stop-secret-5ea5";

class Recorder implements HandlerResponse {
  headersSent = false;
  status = 0;
  headers: Record<string, string | number> = {};
  body = "";
  readonly done: Promise<void>;
  #resolve: () => void = () => undefined;

  constructor() {
    this.done = new Promise<void>((resolve) => {
      this.#resolve = resolve;
    });
  }

  writeHead(status: number, headers: Record<string, string | number>): this {
    this.status = status;
    this.headers = headers;
    this.headersSent = true;
    return this;
  }

  end(body?: string): this {
    this.body = body ?? "";
    this.#resolve();
    return this;
  }
}

/** Every response of every endpoint, method and format, as one string of statuses, headers and bodies. */
async function everyResponse(orch: Orchestrator): Promise<string> {
  const out: string[] = [];
  for (const handler of [orch.healthHandler, orch.livenessHandler, orch.metricsHandler]) {
    for (const accept of [undefined, "application/health+json", "application/json", "text/plain"]) {
      for (const method of ["GET", "HEAD", "POST", undefined]) {
        const res = new Recorder();
        handler({ method, headers: { accept } }, res);
        await res.done;
        out.push(`${res.status} ${JSON.stringify(res.headers)} ${res.body}`);
      }
    }
  }
  for (const path of ["/healthz", "/livez", "/metrics", "/nope", "/mounted/under/healthz", "/metrics/"]) {
    for (const accept of ["*/*", "application/health+json"]) {
      for (const method of ["GET", "HEAD", "DELETE"]) {
        const response = await orch.fetch(new Request(`http://localhost${path}`, { method, headers: { accept } }));
        const headers: string[] = [];
        response.headers.forEach((value, key) => headers.push(`${key}: ${value}`));
        out.push(`${response.status} ${headers.join("; ")} ${await response.text()}`);
      }
    }
  }
  return out.join("\n");
}

function expectClean(text: string): void {
  for (const secret of [SECRET_CRASH, SECRET_CONFIG, SECRET_STOP]) expect(text).not.toContain(secret);
  expect(text).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/); // no stack frame
  expect(text).not.toMatch(/Error:/);
}

describe("security: health and metrics never carry error text, stack traces or config values", () => {
  test("in every phase: before start, running, an agent crashed, a critical fail-stop, after shutdown", async () => {
    const { Agent: Feed, instances: feeds } = scriptedAgent("feed", { stop: () => Promise.reject(new Error(SECRET_STOP)) });
    const { Agent: Risk, instances: risks } = scriptedAgent("risk");
    const { orch, clock } = setup({
      agents: [Feed, { name: "risk", agent: Risk, group: "critical" }],
      config: { agents: { feed: { config: { apiKey: SECRET_CONFIG, url: `https://user:${SECRET_CONFIG}@feed.example` } }, risk: { config: { token: SECRET_CONFIG } } } },
    });
    const seen: string[] = [await everyResponse(orch)];
    await orch.start();
    seen.push(await everyResponse(orch));
    feeds[0]?.fail(new Error(`cannot connect with password ${SECRET_CRASH}`));
    expect(orch.agent("feed")?.lastError).toContain(SECRET_CRASH); // the API has it: the operator's view
    seen.push(await everyResponse(orch));
    await clock.advance(1_000);
    const error = new Error(`limits file unreadable: ${SECRET_CRASH}`);
    risks[0]?.fail(error);
    await clock.advance(10_000);
    expect(orch.health().status).toBe(503);
    seen.push(await everyResponse(orch));
    await orch.shutdown();
    seen.push(await everyResponse(orch));
    for (const text of seen) expectClean(text);
    expect(seen.join("\n")).toContain("503");
    expect(seen.join("\n")).toContain("agent_crashes_total");
  });

  test("over the built-in listeners too", async () => {
    const { Agent: Feed, instances } = scriptedAgent("feed");
    const { orch } = setup({ agents: [Feed], config: { agents: { feed: { config: { apiKey: SECRET_CONFIG } } } } });
    await orch.start();
    instances[0]?.fail(new Error(SECRET_CRASH));
    const listening = await orch.listen({ healthPort: 0, metricsPort: 0, host: "127.0.0.1" });
    try {
      const bodies: string[] = [];
      for (const [port, path] of [[listening.healthPort, "/healthz"], [listening.healthPort, "/livez"], [listening.metricsPort, "/metrics"], [listening.healthPort, "/nope"]] as const) {
        const response = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { accept: "application/health+json" } });
        bodies.push(`${response.status} ${await response.text()}`);
      }
      expectClean(bodies.join("\n"));
      expect(bodies.join("\n")).toContain("agent_state");
    } finally {
      await orch.shutdown();
    }
  });
});

describe("security: agent names are validated before they become metric labels", () => {
  test.each([['a"b'], ["a\nb"], ["a}b"], ["a\\b"], ['feed",agent="risk']])("a registered name %j that could break the exposition format is refused", (name) => {
    const { Agent: A } = countedAgent("x");
    expect(() => setup({ agents: [{ name, agent: A }] })).toThrow(expect.objectContaining({ code: "CONFIG_INVALID", message: expect.stringContaining("invalid agent name") as unknown }));
    expect(refuseConfig({ agents: { [name]: { module: "@acme/x" } } }).message).toContain("invalid agent name");
  });

  test("every agent label in the metrics text is a registered name", async () => {
    const names = ["feed-1", "strat_2", "RISK"];
    const { orch } = setup({ agents: names.map((name) => countedAgent(name).Agent) });
    await orch.start();
    const text = await orch.metrics();
    const labels = new Set([...text.matchAll(/agent="([^"]*)"/g)].map((m) => m[1]));
    expect([...labels].sort()).toEqual([...names].sort());
    await orch.shutdown();
  });
});

describe("security: the YAML loader runs no custom tags", () => {
  test.each([
    ['!!js/function "function () { globalThis.__pwned = true }"'],
    ["!!js/undefined ''"],
    ["!!js/regexp /x/"],
    ['!<tag:yaml.org,2002:js/function> "function () { globalThis.__pwned = true }"'],
    ["!!python/object/apply:os.system ['echo pwned']"],
    ["!include ./secrets.yaml"],
    ["!env SECRET"],
  ])("a value tagged %s is refused with its position, and nothing runs", async (tagged) => {
    const before = processSnapshot();
    const dir = await mkdtemp(join(tmpdir(), "orchestrator-yaml-tags-"));
    try {
      const path = join(dir, "tagged.yaml");
      await writeFile(path, `agents:\n  feed:\n    module: ./feed.mjs\n    config:\n      hook: ${tagged}\n`);
      let thrown: unknown;
      try {
        await loadConfig(path);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toMatchObject({ code: "CONFIG_INVALID", line: 5, message: expect.stringMatching(/YAML tag .* is not allowed/) as unknown });
      expect((globalThis as Record<string, unknown>)["__pwned"]).toBeUndefined();
      expectNoPollution(before);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
