// `state: { file }` through the orchestrator: the file store it makes, and a corrupt file said
// loudly in the log, health and an event, the orchestrator starting with empty trigger state.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import type { OrchestratorConfig } from "../../src/config/OrchestratorConfig.js";
import { recordEvents, scriptedAgent, setup } from "../helpers/orchestrator.js";

let directory: string;
beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), "ao-state-"));
});
afterEach(() => rmSync(directory, { recursive: true, force: true }));

function config(file: string): OrchestratorConfig {
  return { state: { file }, schedule: { eod: { every: "1m", name: "m" } } };
}

async function healthCheck(fetch: (request: Request) => Promise<Response>): Promise<unknown> {
  const response = await fetch(new Request("http://probe/healthz", { headers: { accept: "application/health+json" } }));
  const body = (await response.json()) as { checks: Record<string, unknown> };
  return body.checks["triggers:store"];
}

describe("state: { file } in the config", () => {
  test("the orchestrator keeps trigger state in the file, written by the time shutdown() resolves, and releases it", async () => {
    const file = join(directory, "state.json");
    const { Agent } = scriptedAgent("eod");
    const { orch, clock } = setup({ agents: [Agent], config: config(file) });
    await orch.start();
    await clock.advance(2 * 60_000);
    await orch.shutdown();
    const saved = JSON.parse(readFileSync(file, "utf8")) as { records: Record<string, { lastRun?: { outcome: string } }> };
    expect(saved.records["eod:m"]?.lastRun?.outcome).toBe("ok");
    // the lock is released: another orchestrator can use the file at once
    const again = setup({ agents: [scriptedAgent("eod").Agent], config: config(file), clock });
    await again.orch.start();
    expect(await healthCheck(again.orch.fetch)).toEqual([expect.objectContaining({ status: "pass", observedValue: `file ${file}` })]);
    await again.orch.shutdown();
  });

  test("a corrupt file is moved aside and said in the log, health (warn, still ready) and a store:corrupt event; the orchestrator starts with empty state", async () => {
    const file = join(directory, "state.json");
    writeFileSync(file, "{ not json");
    const { Agent } = scriptedAgent("eod");
    const { orch, logger } = setup({ agents: [Agent], config: config(file) });
    const events = recordEvents(orch);
    await orch.start();
    const aside = readdirSync(directory).filter((name) => name.startsWith("state.json.corrupt-"));
    expect(aside).toHaveLength(1);
    expect(readFileSync(join(directory, aside[0] as string), "utf8")).toBe("{ not json");
    expect(events["store:corrupt"]).toEqual([expect.objectContaining({ store: `file ${file}`, movedTo: join(directory, aside[0] as string) })]);
    expect(logger.entries.some((entry) => entry.level === "error" && /could not be read.*moved to.*starting with empty trigger state/.test(entry.message ?? ""))).toBe(true);
    const check = (await healthCheck(orch.fetch)) as Array<{ status: string; observedValue: string }>;
    expect(check[0]?.status).toBe("warn");
    expect(check[0]?.observedValue).toMatch(/STORE_CORRUPT: unreadable at start, moved to .*started with empty trigger state/);
    expect((await orch.fetch(new Request("http://probe/readyz"))).status).toBe(200);
    await orch.shutdown();
  });
});
