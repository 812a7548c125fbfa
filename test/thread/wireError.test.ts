import { describe, expect, test } from "vitest";
import { AgentError } from "../../src/errors/AgentError.js";
import { BusError } from "../../src/errors/BusError.js";
import { ConfigError } from "../../src/errors/ConfigError.js";
import { LifecycleError } from "../../src/errors/LifecycleError.js";
import { fromWireError, fromWireFields, rebuiltError, toWireError, toWireFields } from "../../src/thread/wireError.js";

/** What crossing a port does: encode, structured-clone, rebuild. */
const across = (error: unknown): Error => fromWireError(structuredClone(toWireError(error)));

describe("errors across a thread's port", () => {
  test("the library's errors are rebuilt as their classes with code, fields, message and stack", () => {
    const bus = across(new BusError("QUEUE_FULL", "queue full", { topic: "a.b" }));
    expect(bus).toBeInstanceOf(BusError);
    expect(bus).toMatchObject({ code: "QUEUE_FULL", topic: "a.b", message: "queue full" });
    const agent = across(new AgentError("AGENT_HUNG", "feed", "hung"));
    expect(agent).toBeInstanceOf(AgentError);
    expect(agent).toMatchObject({ code: "AGENT_HUNG", agent: "feed", message: "hung" });
    const original = new LifecycleError("AGENT_DOWN", "down");
    const lifecycle = across(original);
    expect(lifecycle).toBeInstanceOf(LifecycleError);
    expect(lifecycle).toMatchObject({ code: "AGENT_DOWN", message: "down" });
    expect(lifecycle.stack).toBe(original.stack);
  });

  test("a ConfigError keeps its message as it was (its place is not prefixed twice) and its path", () => {
    const original = new ConfigError("expected a number", { path: "agents.feed.config.n", code: "AGENT_CONFIG_INVALID" });
    const rebuilt = across(original);
    expect(rebuilt).toBeInstanceOf(ConfigError);
    expect(rebuilt.message).toBe(original.message);
    expect(rebuilt).toMatchObject({ code: "AGENT_CONFIG_INVALID", path: "agents.feed.config.n" });
  });

  test("other errors keep name, message, stack and code; causes are rebuilt too", () => {
    const inner = Object.assign(new Error("socket closed"), { code: "ECONNRESET" });
    const outer = new TypeError("fetch failed", { cause: inner });
    const rebuilt = across(outer);
    expect(rebuilt).toMatchObject({ name: "TypeError", message: "fetch failed" });
    expect(rebuilt.stack).toBe(outer.stack);
    expect(rebuilt.cause).toMatchObject({ message: "socket closed", code: "ECONNRESET" });
  });

  test("a thrown string becomes an Error with that text; other values are described", () => {
    expect(across("plain text")).toMatchObject({ name: "Error", message: "plain text" });
    expect(across({ weird: true }).message).toContain("weird");
  });

  test("log fields: an Error field crosses with its class and code; other fields and entries without errors are left as they are", () => {
    const plain = { n: 1, nested: { a: 2 } };
    expect(toWireFields(plain)).toBe(plain);
    expect(fromWireFields(plain)).toBe(plain);
    const fields = { n: 1, err: new BusError("QUEUE_FULL", "queue full", { topic: "a.b" }) };
    const rebuilt = fromWireFields(structuredClone(toWireFields(fields))) as { n: number; err: unknown };
    expect(rebuilt.n).toBe(1);
    expect(rebuilt.err).toBeInstanceOf(BusError);
    expect(rebuilt.err).toMatchObject({ code: "QUEUE_FULL", topic: "a.b" });
    expect(fields.err).toBeInstanceOf(BusError); // the entry given is not changed
  });

  test("rebuiltError: a library error that lost its class (as Node copies an uncaught one) gets it back; others are kept", () => {
    const copied = Object.assign(new Error("no one"), { name: "BusError", code: "NO_RESPONDERS", topic: "x.y" });
    const rebuilt = rebuiltError(copied);
    expect(rebuilt).toBeInstanceOf(BusError);
    expect(rebuilt).toMatchObject({ code: "NO_RESPONDERS", topic: "x.y", message: "no one" });
    const own = new AgentError("AGENT_HUNG", "a", "hung");
    expect(rebuiltError(own)).toBe(own);
    const range = new RangeError("r");
    expect(rebuiltError(range)).toBe(range);
  });
});
