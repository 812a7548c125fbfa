import { afterEach, beforeEach, describe, expect, it, test, vi } from "vitest";
import type { Bus, Message, MessageHandler, PublishOptions, RequestOptions, SubscribeOptions, Subscription } from "../../src/bus/Bus.js";
import { createBus } from "../../src/bus/createBus.js";
import { checkTopicLength, isValidTopic, MAX_TOPIC_LENGTH, topicMatches, validatePattern, validateTopic } from "../../src/bus/topic.js";
import { BusError } from "../../src/errors/BusError.js";
import { ConfigError } from "../../src/errors/ConfigError.js";
import { FakeBus } from "../../src/testing/FakeBus.js";
import type { BusContractCase, BusContractOptions } from "../../src/testing/busContract.js";
import { BUS_CONTRACT_CASES, busContract } from "../../src/testing/busContract.js";

// The only console output the suite may cause is the in-process bus's one-time
// report of an onError that threw (case onErrorThrowingIsContained).
const consoleError = vi.spyOn(console, "error");
beforeEach(() => {
  consoleError.mockReset();
  consoleError.mockImplementation(() => undefined);
});
afterEach(() => {
  for (const call of consoleError.mock.calls) {
    expect(String(call[0])).toMatch(/^\[agent-orchestrator\] the onError of the bus subscription "(tenant-42\.)?fragile" threw/);
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

describe("a bus that adds a prefix to every topic passes the Bus contract at its own, shorter topic length limit", () => {
  busContract(({ clock }) => prefixedBus(createBus({ clock })), test, { maxTopicLength: MAX_TOPIC_LENGTH - PREFIX.length });
});

/** Run the suite with a collecting `test` and `skip` and report, per case id, whether it passed. */
async function runContract(
  makeBus: () => Bus,
  options?: Parameters<typeof busContract>[2],
): Promise<{ names: string[]; failed: Map<string, unknown>; passed: string[]; skipped: Array<{ name: string; reason: string }> }> {
  const registered: Array<{ name: string; fn: () => unknown }> = [];
  const skipped: Array<{ name: string; reason: string }> = [];
  busContract(makeBus, (name, fn) => registered.push({ name, fn }), { skip: (name, reason) => skipped.push({ name, reason }), ...options });
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
  return { names: registered.map((entry) => entry.name), failed, passed, skipped };
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

/** A correct bus but for one defect: `signal` (`ignore`: dropped from requests; `keep`: a listener added and never removed). */
function signalBus(defect: "ignore" | "keep"): Bus {
  const inner = createBus();
  return {
    publish: (topic, payload, options) => inner.publish(topic, payload, options),
    subscribe: (pattern, handler, options) => inner.subscribe(pattern, handler, options),
    request(topic, payload, options) {
      if (options?.signal === undefined) return inner.request(topic, payload, options);
      if (defect === "keep") {
        const result = inner.request(topic, payload, options);
        if (options.signal instanceof AbortSignal) options.signal.addEventListener("abort", () => undefined);
        return result;
      }
      return inner.request(topic, payload, options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs });
    },
    flush: () => inner.flush(),
    close: () => inner.close(),
  };
}

/** A correct bus whose disposal does nothing: `[Symbol.asyncDispose]` leaves it open, a subscription's `[Symbol.dispose]` leaves it subscribed. */
function inertDisposalBus(): Bus {
  const inner = createBus();
  return {
    publish: (topic, payload, options) => inner.publish(topic, payload, options),
    subscribe(pattern, handler, options) {
      const sub = inner.subscribe(pattern, handler, options);
      return { unsubscribe: () => sub.unsubscribe(), [Symbol.dispose]: () => undefined };
    },
    request: (topic, payload, options) => inner.request(topic, payload, options),
    flush: () => inner.flush(),
    close: () => inner.close(),
    [Symbol.asyncDispose]: () => inner.flush(),
  };
}

const PREFIX = "tenant-42.";

/**
 * A correct bus that carries topic `a.b` as `tenant-42.a.b` on an inner bus, as a
 * bus sharing a broker does: topics and patterns are checked with the prefix counted.
 */
function prefixedBus(inner: Bus): Bus {
  const strip = (message: Message): Message => ({ ...message, topic: message.topic.slice(PREFIX.length) });
  const checkTopic = (topic: string): BusError | undefined => {
    try {
      validateTopic(topic);
      checkTopicLength(topic, "topic", PREFIX.length);
      return undefined;
    } catch (error) {
      return error as BusError;
    }
  };
  return {
    publish(topic, payload, options) {
      const invalid = checkTopic(topic);
      return invalid === undefined ? inner.publish(PREFIX + topic, payload, options) : Promise.reject(invalid);
    },
    subscribe(pattern, handler, options) {
      validatePattern(pattern);
      checkTopicLength(pattern, "pattern", PREFIX.length);
      return inner.subscribe(PREFIX + pattern, (message) => handler(strip(message)), options === undefined ? undefined : {
        ...options,
        ...(options.onError === undefined ? {} : { onError: (error: unknown, message: Message) => options.onError?.(error, strip(message)) }),
      });
    },
    request(topic, payload, options) {
      const invalid = checkTopic(topic);
      return invalid === undefined ? inner.request(PREFIX + topic, payload, options) : Promise.reject(invalid);
    },
    flush: () => inner.flush(),
    close: () => inner.close(),
    stats: () => inner.stats?.() ?? { published: 0, delivered: 0, dropped: 0, pending: 0, handlerErrors: 0 },
  };
}

/**
 * A correct bus but for its topic length limit: it refuses topics (and, unless told otherwise,
 * patterns) from `refuseFrom` characters on, and silently ignores those longer than `MAX_TOPIC_LENGTH`.
 */
function lengthBus(refuseFrom: number, { checkPatterns = true } = {}): Bus {
  const inner = createBus();
  const tooLong = (): BusError => new BusError("INVALID_TOPIC", `Invalid topic: longer than ${refuseFrom - 1}`);
  const refuses = (topic: string): boolean => topic.length >= refuseFrom;
  const ignores = (topic: string): boolean => topic.length > MAX_TOPIC_LENGTH;
  return {
    publish: (topic, payload, options) => (refuses(topic) ? Promise.reject(tooLong()) : ignores(topic) ? Promise.resolve() : inner.publish(topic, payload, options)),
    subscribe(pattern, handler, options) {
      if (checkPatterns && refuses(pattern)) throw tooLong();
      return ignores(pattern) ? { unsubscribe: () => undefined } : inner.subscribe(pattern, handler, options);
    },
    request: (topic, payload, options) => (refuses(topic) ? Promise.reject(tooLong()) : ignores(topic) ? Promise.reject(new BusError("NO_RESPONDERS", topic)) : inner.request(topic, payload, options)),
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

  it("fails a bus that ignores a request's signal, and one that leaves its listener on the signal", async () => {
    const deaf = await runContract(() => signalBus("ignore"));
    expect([...deaf.failed.keys()].sort()).toEqual(["invalidRequestSignal", "requestAborted", "requestAbortedAlready"]);
    expect(String(deaf.failed.get("requestAbortedAlready"))).toContain("REQUEST_ABORTED");
    const leaky = await runContract(() => signalBus("keep"));
    expect([...leaky.failed.keys()]).toEqual(["requestSignalReleased"]);
    expect(String(leaky.failed.get("requestSignalReleased"))).toContain("a settled request should remove its listener from its signal; 4 left");
  });

  it("fails a bus whose [Symbol.asyncDispose] does not close it and whose subscriptions' [Symbol.dispose] does not unsubscribe", async () => {
    const { failed } = await runContract(inertDisposalBus);
    expect([...failed.keys()]).toEqual(["asyncDisposeCloses", "subscriptionDisposeUnsubscribes"]);
    expect(String(failed.get("asyncDisposeCloses"))).toContain("a disposed bus should refuse publish with BUS_CLOSED");
    expect(String(failed.get("subscriptionDisposeUnsubscribes"))).toContain("no message may reach a subscription after its disposal");
  });

  it("reports a declared exception through `skip` with its name and reason, and neither registers nor runs the case", async () => {
    const reason = "this bus lets `a.>` match `a` on purpose";
    const { names, failed, skipped } = await runContract(zeroTailBus, { exceptions: { tailWildcard: reason } });
    expect(skipped).toEqual([{ name: `tailWildcard: ${BUS_CONTRACT_CASES.tailWildcard}`, reason }]);
    expect(names.some((name) => name.startsWith("tailWildcard:"))).toBe(false);
    expect(names).toHaveLength(Object.keys(BUS_CONTRACT_CASES).length - 1);
    expect(failed.size).toBe(0);
  });

  it("never calls `skip` without declared exceptions", async () => {
    const { skipped, failed } = await runContract(() => createBus());
    expect(skipped).toEqual([]);
    expect(failed.size).toBe(0);
  });

  it("refuses an unknown or unexplained exception, and exceptions without a `skip` to report them", () => {
    const collect = (): void => undefined;
    const skipIt = (): void => undefined;
    expect(() => busContract(() => createBus(), collect, { skip: skipIt, exceptions: { tailWildcards: "typo" } as unknown as Partial<Record<BusContractCase, string>> })).toThrow(
      /unknown case "tailWildcards"/,
    );
    expect(() => busContract(() => createBus(), collect, { skip: skipIt, exceptions: { tailWildcard: "  " } })).toThrow(/non-empty reason/);
    expect(() => busContract(() => createBus(), collect, { exceptions: { tailWildcard: "on purpose" } })).toThrow(
      /`exceptions` declares tailWildcard but there is no `skip`: a declared exception is reported as a skipped test carrying its reason/,
    );
    expect(() => busContract(() => createBus(), collect, { skip: "yes" as unknown as () => void })).toThrow(/expected `skip` to be a function/);
  });

  it("refuses every bad option with a ConfigError coded INVALID_OPTION, never a plain TypeError", () => {
    const collect = (): void => undefined;
    const bad: Array<Parameters<typeof busContract>[2]> = [
      null as unknown as BusContractOptions,
      { exceptions: null as unknown as Partial<Record<BusContractCase, string>> },
      { skip: collect, exceptions: { tailWildcards: "typo" } as unknown as Partial<Record<BusContractCase, string>> },
      { skip: collect, exceptions: { tailWildcard: "" } },
      { exceptions: { tailWildcard: "on purpose" } },
      { skip: "yes" as unknown as () => void },
      { maxTopicLength: 2 },
    ];
    for (const options of bad) {
      let thrown: unknown;
      try {
        busContract(() => createBus(), collect, options);
      } catch (error) {
        thrown = error;
      }
      expect(thrown, JSON.stringify(options)).toBeInstanceOf(ConfigError);
      expect(thrown).toMatchObject({ code: "INVALID_OPTION" });
    }
    expect(() => busContract(() => createBus(), collect, { skip: 1 as unknown as () => void })).toThrow("busContract: expected `skip` to be a function (name, reason) that registers a skipped test, got 1");
  });

  it("fails a bus whose topic length limit is off by one either way, publish, subscribe and request alike", async () => {
    const short = await runContract(() => lengthBus(MAX_TOPIC_LENGTH));
    expect([...short.failed.keys()]).toEqual(["topicLengthLimit"]);
    expect(String(short.failed.get("topicLengthLimit"))).toContain(`subscribe to a pattern of ${MAX_TOPIC_LENGTH} characters (the longest length) should work; it failed: Invalid topic: longer than 1023`);

    const long = await runContract(() => lengthBus(MAX_TOPIC_LENGTH + 2));
    expect([...long.failed.keys()]).toEqual(["topicLengthLimit"]);
    expect(String(long.failed.get("topicLengthLimit"))).toContain(`publish on a topic of ${MAX_TOPIC_LENGTH + 1} characters should reject with INVALID_TOPIC naming the limit`);

    // refusing publish and request but not subscribe is not enough
    const subscribes = await runContract(() => lengthBus(MAX_TOPIC_LENGTH + 1, { checkPatterns: false }));
    expect([...subscribes.failed.keys()]).toEqual(["topicLengthLimit"]);
    expect(String(subscribes.failed.get("topicLengthLimit"))).toMatch(/subscribe to a pattern of 1025 characters should throw INVALID_TOPIC naming the limit/);
  });

  it("checks a prefixing bus at the limit it declares with `maxTopicLength`, and fails it at the full length", async () => {
    const declared = await runContract(() => prefixedBus(createBus()), { maxTopicLength: MAX_TOPIC_LENGTH - PREFIX.length });
    expect(declared.failed.size).toBe(0);
    const undeclared = await runContract(() => prefixedBus(createBus()));
    expect([...undeclared.failed.keys()]).toEqual(["topicLengthLimit"]);
  });

  it("refuses a `maxTopicLength` above MAX_TOPIC_LENGTH or that is not a usable integer", () => {
    const collect = (): void => undefined;
    for (const maxTopicLength of [MAX_TOPIC_LENGTH + 1, 0, 2, 10.5, Number.NaN]) {
      expect(() => busContract(() => createBus(), collect, { maxTopicLength })).toThrow(/expected `maxTopicLength` to be an integer from 3 to 1024/);
    }
  });

  it("registers one test per case, named after its id", () => {
    const names: string[] = [];
    busContract(() => createBus(), (name) => names.push(name));
    expect(names.map((name) => name.slice(0, name.indexOf(":")))).toEqual(Object.keys(BUS_CONTRACT_CASES));
  });
});
