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
    hub.emit("agent:crash", { agent: "feed", group: "data", reason: "fail", error: new Error("boom"), crashes: 1 });
    expect(seen).toEqual(["b:feed"]);
    offB();
    expect(hub.listens("agent:crash")).toBe(false);
    hub.emit("agent:crash", { agent: "feed", group: "data", reason: "fail", error: new Error("boom"), crashes: 2 });
    expect(seen).toEqual(["b:feed"]);
  });
});

describe("EventHub.emit", () => {
  test("calls every listener in order, logs a throwing one and goes on; the same function added twice is removed one registration at a time", () => {
    const logged: string[] = [];
    const logger = { ...silentLogger, error: (_fields: object, message: string) => void logged.push(message) };
    const hub = new EventHub(logger);
    const seen: string[] = [];
    const twice = ({ agent }: { agent: string }): void => void seen.push(`twice:${agent}`);
    const offFirst = hub.on("agent:crash", twice);
    hub.on("agent:crash", () => {
      throw new Error("listener bug");
    });
    hub.on("agent:crash", twice);
    hub.emit("agent:crash", { agent: "feed", group: "data", reason: "fail", error: new Error("boom"), crashes: 1 });
    expect(seen).toEqual(["twice:feed", "twice:feed"]);
    expect(logged).toEqual(['a listener of "agent:crash" threw: listener bug']);
    offFirst();
    offFirst();
    hub.emit("agent:crash", { agent: "risk", group: "data", reason: "fail", error: new Error("boom"), crashes: 1 });
    expect(seen).toEqual(["twice:feed", "twice:feed", "twice:risk"]);
  });
});
