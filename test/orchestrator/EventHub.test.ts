import { describe, expect, test } from "vitest";
import { silentLogger } from "../../src/logger.js";
import { EventHub } from "../../src/orchestrator/EventHub.js";

describe("EventHub.listens", () => {
  test("tells whether an event has a listener, as listeners come and go", () => {
    const hub = new EventHub(silentLogger);
    expect(hub.listens("agent:crash")).toBe(false);
    const seen: string[] = [];
    const offA = hub.on("agent:crash", ({ agent }) => seen.push(`a:${agent}`));
    const offB = hub.on("agent:crash", ({ agent }) => seen.push(`b:${agent}`));
    expect(hub.listens("agent:crash")).toBe(true);
    expect(hub.listens("agent:restart")).toBe(false);
    offA();
    expect(hub.listens("agent:crash")).toBe(true);
    hub.emit("agent:crash", { agent: "feed", reason: "fail", error: new Error("boom"), crashes: 1 });
    expect(seen).toEqual(["b:feed"]);
    offB();
    expect(hub.listens("agent:crash")).toBe(false);
    hub.emit("agent:crash", { agent: "feed", reason: "fail", error: new Error("boom"), crashes: 2 });
    expect(seen).toEqual(["b:feed"]);
  });
});
