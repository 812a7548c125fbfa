import { types } from "node:util";
import { runInNewContext } from "node:vm";
import { describe, expect, test } from "vitest";
import type { Agent } from "../../src/agent/Agent.js";
import { describeThrown, loggableError } from "../../src/errors/describeThrown.js";
import { guardLogger } from "../../src/logger.js";
import { recordEvents, scriptedAgent, setup } from "../helpers/orchestrator.js";
import { trackUnhandled } from "../helpers/noUnhandled.js";

const unhandled = trackUnhandled();

/** Values whose every description path throws, or that come from another realm. */
export function hostileValues(): Array<{ kind: string; value: unknown }> {
  const boom = (): never => {
    throw new Error("trap");
  };
  const revocable = Proxy.revocable({}, {});
  revocable.revoke();
  class GetterError extends Error {
    override get message(): string {
      return boom();
    }
    override get name(): string {
      return boom();
    }
  }
  return [
    { kind: "toString and toJSON throw", value: { toString: boom, toJSON: boom } },
    { kind: "Symbol.toPrimitive throws", value: { [Symbol.toPrimitive]: boom, toString: boom, toJSON: boom } },
    { kind: "a Proxy whose every trap throws", value: new Proxy({}, { get: boom, has: boom, ownKeys: boom, getPrototypeOf: boom, getOwnPropertyDescriptor: boom }) },
    { kind: "a revoked Proxy", value: revocable.proxy },
    { kind: "an Error whose message and name getters throw", value: new GetterError() },
    { kind: "an Error whose toJSON throws", value: Object.assign(new Error("with toJSON"), { toJSON: boom }) },
    { kind: "an object with a throwing getter", value: { get message(): string { return boom(); }, toString: boom } },
    { kind: "a cross-realm Error", value: runInNewContext('new Error("from another realm")') },
    { kind: "a cross-realm hostile object", value: runInNewContext("({ toString() { throw 1 }, toJSON() { throw 2 } })") },
    { kind: "a null-prototype object", value: Object.create(null) },
    { kind: "a function Proxy that throws", value: new Proxy(() => undefined, { get: boom, apply: boom, getPrototypeOf: boom }) },
  ];
}

describe("describeThrown and loggableError are total", () => {
  test.each(hostileValues())("$kind", ({ value }) => {
    const text = describeThrown(value);
    expect(typeof text).toBe("string");
    expect(text.length).toBeGreaterThan(0);
    const err = loggableError(value);
    expect(types.isNativeError(err)).toBe(true);
    expect(() => JSON.stringify({ err: { message: (err as Error).message, stack: (err as Error).stack } })).not.toThrow();
  });

  test("ordinary values read as before", () => {
    expect(describeThrown(new Error("boom"))).toBe("boom");
    expect(describeThrown("down")).toBe("down");
    expect(describeThrown({ code: 7 })).toBe('{"code":7}');
    expect(describeThrown(undefined)).toBe("undefined");
    expect(describeThrown(null)).toBe("null");
    expect(describeThrown(12n)).toBe("12n");
    expect(describeThrown(runInNewContext('new Error("realm")'))).toBe("realm");
    const error = new Error("kept");
    expect(loggableError(error)).toBe(error);
    expect(describeThrown("x".repeat(5_000)).length).toBeLessThanOrEqual(2_000);
  });
});

describe("guardLogger: the one guard every component's log line goes through", () => {
  test("an err field is passed on when readable, replaced by an Error carrying its description otherwise", () => {
    const lines: Array<{ level: string; fields: Record<string, unknown> }> = [];
    const at = (level: string) => (fields: object) => void lines.push({ level, fields: fields as Record<string, unknown> });
    const logger = guardLogger({ debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") });
    const readable = new Error("readable");
    logger.error({ agent: "a", err: readable }, "one");
    logger.warn({ err: "down" }, "two");
    logger.info({ err: hostileValues()[0]?.value }, "three");
    logger.debug({ plain: 1 }, "four");
    expect(lines[0]?.fields["err"]).toBe(readable);
    expect(lines[0]?.fields["agent"]).toBe("a");
    expect(lines[1]?.fields["err"]).toMatchObject({ name: "UnreadableError", message: "down" });
    expect(types.isNativeError(lines[2]?.fields["err"])).toBe(true);
    expect(lines[3]?.fields).toEqual({ plain: 1 });
  });

  test("a logger that throws loses its line and nothing else", () => {
    const boom = (): never => {
      throw new Error("logger down");
    };
    const logger = guardLogger({ debug: boom, info: boom, warn: boom, error: boom });
    expect(() => logger.error({ err: new Error("x") }, "lost")).not.toThrow();
  });
});

type Where = "start" | "fail" | "handler" | "onCron";
const WHERE: Where[] = ["start", "fail", "handler", "onCron"];

/** An agent that throws `value` from `where`, on its first incarnation only. */
function thrower(name: string, where: Where, value: unknown) {
  let incarnations = 0;
  return scriptedAgent(name, {
    start: async (agent: Agent) => {
      incarnations++;
      if (incarnations > 1) return;
      if (where === "start") throw value;
      if (where === "handler") {
        agent.bus.subscribe(`poke.${name}`, () => {
          throw value;
        });
      }
    },
    onCron: () => {
      if (incarnations === 1) throw value;
    },
  });
}

async function provoke(orch: ReturnType<typeof setup>["orch"], clock: ReturnType<typeof setup>["clock"], name: string, where: Where, instances: Agent[], value: unknown): Promise<void> {
  if (where === "fail") instances.at(-1)?.fail(value);
  if (where === "handler") await orch.bus.publish(`poke.${name}`, 1);
  if (where === "onCron") await clock.advance(1_000);
  await orch.bus.flush();
}

describe("a crash with a value that cannot be described still gets its decision", () => {
  const cases = hostileValues().flatMap(({ kind, value }) => WHERE.map((where) => ({ kind, value, where })));

  test.each(cases)("restartable agent, $where throws $kind: backoff, then a fresh incarnation runs", async ({ value, where }) => {
    const { Agent: A, instances } = thrower("feed", where, value);
    const { orch, clock, logger } = setup({ agents: [A], config: { schedule: { feed: { every: "1s" } } } });
    const events = recordEvents(orch);
    await orch.start();
    await provoke(orch, clock, "feed", where, instances, value);
    expect(orch.agent("feed")?.state).toBe("backoff");
    expect(orch.health().agents.feed?.up).toBe(false);
    expect(await orch.metrics()).toMatch(/agent_state\{agent="feed"[^}]*\} 0/);
    expect(typeof orch.agent("feed")?.lastError).toBe("string");
    expect(events["agent:crash"]).toHaveLength(1);
    expect(events["agent:restart"]).toHaveLength(1);
    const crashLine = logger.entries.find((e) => e.level === "error" && e.message?.includes("crashed"));
    expect(crashLine?.fields).toHaveProperty("err");
    expect(() => JSON.stringify(crashLine?.fields, (_k, v: unknown) => (v instanceof Error ? v.message : v))).not.toThrow();
    await clock.advance(1_000);
    expect(orch.agent("feed")?.state).toBe("running");
    expect(instances).toHaveLength(2);
    await orch.shutdown();
    expect(unhandled.errors).toEqual([]);
  });

  test.each(cases)("critical agent, $where throws $kind: fail-stop, 503, closed settles", async ({ value, where }) => {
    const { Agent: A, instances } = thrower("risk", where, value);
    const { orch, clock } = setup({ agents: [{ name: "risk", agent: A, group: "critical" }], config: { schedule: { risk: { every: "1s" } } } });
    const started = orch.start().then(
      () => "resolved",
      (error: unknown) => error,
    );
    if (where !== "start") {
      expect(await started).toBe("resolved");
      await provoke(orch, clock, "risk", where, instances, value);
    } else {
      const error = await started;
      expect(error).toMatchObject({ code: "FAIL_STOP" });
    }
    const closed = await orch.closed;
    expect(closed.failed).toBe(true);
    expect(closed.reason).toContain('"risk"');
    expect(orch.agent("risk")?.state).toBe("failed");
    expect(orch.health().status).toBe(503);
    await orch.shutdown();
    expect(unhandled.errors).toEqual([]);
  });

  test("during start(), a hostile crash of one agent does not keep the next from starting", async () => {
    const [first] = hostileValues();
    const { Agent: Bad } = thrower("bad", "start", first?.value);
    const { Agent: Good } = scriptedAgent("good");
    const { orch } = setup({ agents: [Bad, Good] });
    await orch.start();
    expect(orch.agent("bad")?.state).toBe("backoff");
    expect(orch.agent("good")?.state).toBe("running");
    await orch.shutdown();
  });

  test("a logger that throws on every call cannot skip a decision", async () => {
    const throwing = { debug: () => { throw new Error("log down"); }, info: () => { throw new Error("log down"); }, warn: () => { throw new Error("log down"); }, error: () => { throw new Error("log down"); } };
    const { Agent: A, instances } = thrower("feed", "fail", new Error("plain"));
    const { orch, clock } = setup({ agents: [A], logger: throwing });
    await orch.start();
    instances.at(-1)?.fail(new Error("plain"));
    expect(orch.agent("feed")?.state).toBe("backoff");
    await clock.advance(1_000);
    expect(orch.agent("feed")?.state).toBe("running");
    await orch.shutdown();
  });

  test("an event listener that throws a hostile value is reported, and the decision stands", async () => {
    const [first] = hostileValues();
    const { Agent: A, instances } = thrower("feed", "fail", new Error("plain"));
    const { orch, logger } = setup({ agents: [A] });
    orch.on("agent:crash", () => {
      throw first?.value;
    });
    await orch.start();
    instances.at(-1)?.fail(new Error("plain"));
    expect(orch.agent("feed")?.state).toBe("backoff");
    expect(logger.entries.some((e) => e.message?.includes('a listener of "agent:crash" threw'))).toBe(true);
    await orch.shutdown();
  });
});
