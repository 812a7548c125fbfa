import { describe, expect, test } from "vitest";
import type { AgentSupervisor } from "../../../src/supervisor/AgentSupervisor.js";
import { DependencyGate } from "../../../src/supervisor/tree/DependencyGate.js";
import type { memoryLogger } from "../../helpers/orchestrator.js";
import { treeGroup, treeHarness } from "../../helpers/supervisionTree.js";

/** `api` depends on `db`; both in the default group, with a gate on the host. */
function gated() {
  const h = treeHarness();
  const data = treeGroup("data");
  const supervisors = new Map<string, AgentSupervisor>();
  const gate = new DependencyGate(new Map([["api", ["db"]]]), (name) => supervisors.get(name)?.state);
  h.host.gate = gate;
  const db = h.agent("db", data);
  const api = h.agent("api", data);
  supervisors.set("db", db).set("api", api);
  return { h, gate, db, api };
}

describe("dependency gate", () => {
  test("a first start whose dependency is not running is parked, and fires once the dependency runs", async () => {
    const { h, gate, db, api } = gated();
    expect(api.startInTurn(true)).toBeUndefined();
    expect(api.state).toBe("stopped");
    expect(gate.parked()).toEqual(["api"]);
    expect(db.startInTurn(true)).toBeUndefined();
    await h.settle();
    expect(h.log).toEqual(["db:starting", "db:running", "api:starting", "api:running"]);
    expect(gate.parked()).toEqual([]);
  });

  test("a dependent is never stopped by its dependency's crash; its own restart waits for the dependency", async () => {
    const { h, db, api } = gated();
    expect(db.startInTurn(true)).toBeUndefined();
    expect(api.startInTurn(true)).toBeUndefined();
    await h.settle();
    h.log.length = 0;
    h.crash("db");
    await h.settle();
    expect(api.state).toBe("running");
    await h.clock.advance(10);
    await h.settle();
    h.log.length = 0;
    h.crash("api"); // api's back-off ends first, while db is still down
    h.crash("db"); // its second crash: 20 ms
    await h.clock.advance(10);
    await h.settle();
    expect(h.log).toEqual(["api:backoff", "db:backoff"]); // api's back-off has ended: parked
    await h.clock.advance(10);
    await h.settle();
    expect(h.log).toEqual(["api:backoff", "db:backoff", "db:starting", "db:running", "api:starting", "api:running"]);
    const warnings = (h.host.logger as ReturnType<typeof memoryLogger>).entries.filter((e) => e.level === "warn" && e.message?.includes("waits for"));
    expect(warnings.map((e) => e.message)).toEqual(['agent "api" waits for "db" to be running before it starts']);
  });

  test("a parked launch is forgotten when the agent is disabled", async () => {
    const { h, gate, db, api } = gated();
    expect(api.startInTurn(true)).toBeUndefined();
    await api.disable();
    expect(gate.parked()).toEqual([]);
    expect(db.startInTurn(true)).toBeUndefined();
    await h.settle();
    expect(api.state).toBe("disabled");
  });

  test("agents without dependencies launch at once", () => {
    const gate = new DependencyGate(new Map([["api", ["db"]]]), () => undefined);
    expect(gate.missing("db")).toEqual([]);
    expect(gate.missing("api")).toEqual(["db"]);
  });
});
