import { afterEach, beforeEach, describe, expect, it, test, vi } from "vitest";
import type { Bus, Message, MessageHandler, PublishOptions, RequestOptions, SubscribeOptions, Subscription } from "../src/bus/Bus.js";
import { createBus } from "../src/bus/createBus.js";
import { isValidTopic, topicMatches, validatePattern } from "../src/bus/topic.js";
import { BusError } from "../src/errors/BusError.js";
import { FakeBus } from "../src/testing/FakeBus.js";
import type { BusContractCase } from "../src/testing/busContract.js";
import { BUS_CONTRACT_CASES, busContract } from "../src/testing/busContract.js";

// The only console output the suite may cause is the in-process bus's one-time
// report of an onError that threw (case onErrorThrowingIsContained).
const consoleError = vi.spyOn(console, "error");
beforeEach(() => {
  consoleError.mockReset();
  consoleError.mockImplementation(() => undefined);
});
afterEach(() => {
  for (const call of consoleError.mock.calls) {
    expect(String(call[0])).toMatch(/^\[agent-orchestrator\] the onError of the bus subscription "fragile" threw/);
  }
});

describe("createBus() passes the Bus contract", () => {
  busContract(({ clock }) => createBus({ clock }), test);
});

describe("createBus() on the system clock passes the Bus contract", () => {
  busContract(() => createBus(), test);
});

describe("FakeBus passes the Bus contract", () => {
  busContract(({ clock }) => new FakeBus({ clock }), test);
});

/** Run the suite with a collecting `test` and report, per case id, whether it passed. */
async function runContract(makeBus: () => Bus, options?: Parameters<typeof busContract>[2]): Promise<{ names: string[]; failed: Map<string, unknown>; passed: string[] }> {
  const registered: Array<{ name: string; fn: () => unknown }> = [];
  busContract(makeBus, (name, fn) => registered.push({ name, fn }), options);
  const failed = new Map<string, unknown>();
  const passed: string[] = [];
  for (const { name, fn } of registered) {
    const id = name.slice(0, name.indexOf(":"));
    try {
      await fn();
      passed.push(id);
    } catch (error) {
      failed.set(id, error);
    }
  }
  return { names: registered.map((entry) => entry.name), failed, passed };
}

/**
 * A deliberately broken bus: it calls handlers synchronously inside publish
 * and lets `a.>` match `a` (zero trailing tokens). Everything else it gets
 * roughly right, so the suite must single those defects out.
 */
class SynchronousBus implements Bus {
  readonly #subs = new Set<{ pattern: string; handler: MessageHandler; onError: SubscribeOptions["onError"] }>();
  #closed = false;
  #seq = 0;

  publish(topic: string, payload: unknown, options?: PublishOptions): Promise<void> {
    if (this.#closed) return Promise.reject(new BusError("BUS_CLOSED", "closed"));
    if (!isValidTopic(topic)) return Promise.reject(new BusError("INVALID_TOPIC", `Invalid topic ${JSON.stringify(topic)}`));
    const message: Message = { id: String(++this.#seq), topic, payload, timestamp: Date.now(), ...(options?.headers ? { headers: options.headers } : {}) };
    for (const sub of [...this.#subs]) {
      if (!looseMatch(sub.pattern, topic)) continue;
      try {
        const result = sub.handler(message);
        if (result instanceof Promise) result.catch((error: unknown) => sub.onError?.(error, message));
      } catch (error) {
        try {
          sub.onError?.(error, message);
        } catch {
          // the broken bus at least survives a throwing onError
        }
      }
    }
    return Promise.resolve();
  }

  subscribe(pattern: string, handler: MessageHandler, options: SubscribeOptions = {}): Subscription {
    validatePattern(pattern);
    const sub = { pattern, handler, onError: options.onError };
    this.#subs.add(sub);
    return { unsubscribe: () => void this.#subs.delete(sub) };
  }

  async request(topic: string, payload: unknown, _options?: RequestOptions): Promise<unknown> {
    const replies: unknown[] = [];
    for (const sub of this.#subs) if (looseMatch(sub.pattern, topic)) replies.push(await sub.handler({ id: "r", topic, payload, timestamp: Date.now() }));
    if (replies.length === 0) throw new BusError("NO_RESPONDERS", topic);
    const reply = replies.find((value) => value !== undefined);
    if (reply === undefined) throw new BusError("NO_REPLY", topic);
    return reply;
  }

  async flush(): Promise<void> {}

  async close(): Promise<void> {
    this.#closed = true;
  }
}

function looseMatch(pattern: string, topic: string): boolean {
  if (pattern.endsWith(".>") && topic === pattern.slice(0, -2)) return true;
  return topicMatches(pattern, topic);
}

/** A correct bus with exactly one defect: `a.>` also receives messages on `a`. */
function zeroTailBus(): Bus {
  const inner = createBus();
  return {
    publish: (topic, payload, options) => inner.publish(topic, payload, options),
    subscribe(pattern, handler, options) {
      const main = inner.subscribe(pattern, handler, options);
      if (!pattern.endsWith(".>")) return main;
      const extra = inner.subscribe(pattern.slice(0, -2), handler, options);
      return {
        unsubscribe() {
          main.unsubscribe();
          extra.unsubscribe();
        },
      };
    },
    request: (topic, payload, options) => inner.request(topic, payload, options),
    flush: () => inner.flush(),
    close: () => inner.close(),
  };
}

describe("the Bus contract catches broken buses", () => {
  it("fails a bus that delivers synchronously inside publish and lets `a.>` match `a`", async () => {
    const { failed, passed } = await runContract(() => new SynchronousBus());
    expect(failed.has("deliveryIsAsynchronous")).toBe(true);
    expect(String(failed.get("deliveryIsAsynchronous"))).toContain("inside publish");
    expect(failed.has("tailWildcard")).toBe(true);
    expect(String(failed.get("tailWildcard"))).toContain("`a.>` must match `a.b` and `a.b.c` but not `a`");
    expect(failed.has("concurrencyOneByDefault")).toBe(true);
    // what the broken bus does get right still passes: the failures are specific
    expect(passed).toEqual(expect.arrayContaining(["exactTopicMatch", "singleWildcard", "invalidTopicRejected", "invalidPatternThrows"]));
  });

  it("fails exactly the `>` case for a bus whose only defect is `a.>` matching `a`", async () => {
    const { failed, passed } = await runContract(zeroTailBus);
    expect([...failed.keys()]).toEqual(["tailWildcard"]);
    expect(passed).toHaveLength(Object.keys(BUS_CONTRACT_CASES).length - 1);
  });

  it("shows a declared exception as its own named test instead of skipping it", async () => {
    const reason = "the broker's flush waits for its own ack only";
    const { names, failed } = await runContract(zeroTailBus, { exceptions: { tailWildcard: reason } });
    expect(names).toContain(`tailWildcard: ${BUS_CONTRACT_CASES.tailWildcard} [declared exception: ${reason}]`);
    expect(failed.size).toBe(0);
  });

  it("refuses an unknown or unexplained exception", () => {
    const collect = (): void => undefined;
    expect(() => busContract(() => createBus(), collect, { exceptions: { tailWildcards: "typo" } as unknown as Partial<Record<BusContractCase, string>> })).toThrow(
      /unknown case "tailWildcards"/,
    );
    expect(() => busContract(() => createBus(), collect, { exceptions: { tailWildcard: "  " } })).toThrow(/non-empty reason/);
  });

  it("registers one test per case, named after its id", () => {
    const names: string[] = [];
    busContract(() => createBus(), (name) => names.push(name));
    expect(names.map((name) => name.slice(0, name.indexOf(":")))).toEqual(Object.keys(BUS_CONTRACT_CASES));
  });
});
