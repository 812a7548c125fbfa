import assert from "node:assert/strict";
import type { Bus, Message } from "../bus/Bus.js";
import { describeValue } from "../bus/describeValue.js";
import { MAX_TOPIC_LENGTH } from "../bus/topic.js";
import { describeThrown } from "../errors/describeThrown.js";
import { ManualClock } from "./ManualClock.js";

/** What {@link busContract} gives the bus factory for each case. */
export interface BusContractContext {
  /** A fresh clock per case: a bus that runs on it times requests out on `clock.advance()`. */
  readonly clock: ManualClock;
}

/** Options of {@link busContract}. */
export interface BusContractOptions {
  /**
   * Named, documented differences of the bus under test: case id → the reason.
   * An excepted case is not run: it is handed to {@link BusContractOptions.skip}
   * with its reason, so the runner reports it as a skipped test carrying the
   * reason and the difference shows in every test report instead of
   * disappearing. Declaring an exception therefore needs `skip`. Unknown ids and
   * empty reasons are refused (a typo must not silence a case).
   *
   * @default {}
   * @example
   * ```ts
   * busContract(makeNatsBus, test, {
   *   skip: (name, reason) => test.skip(`${name} — declared exception: ${reason}`, () => undefined),
   *   exceptions: { flushCoversEarlierMessages: "flush() waits for the server's ack, not for remote subscribers" },
   * });
   * ```
   */
  exceptions?: Partial<Record<BusContractCase, string>>;
  /**
   * Registers a skipped test with the runner: called once per declared exception,
   * in case order, with the case's test name (`<case id>: <what it checks>`) and
   * the declared reason, instead of registering the case through `test`.
   * Required when `exceptions` declares any; unused otherwise.
   *
   * @example
   * ```ts
   * // vitest or jest
   * skip: (name, reason) => test.skip(`${name} — declared exception: ${reason}`, () => undefined),
   * // node:test
   * skip: (name, reason) => test(name, { skip: reason }, () => undefined),
   * ```
   */
  skip?: (name: string, reason: string) => void;
  /**
   * The longest topic the bus under test accepts, in characters. Every Bus
   * refuses topics and patterns longer than {@link MAX_TOPIC_LENGTH} (1,024)
   * characters, any prefix it adds included: a bus that sends topic `a.b` as
   * `<prefix>.a.b` accepts `MAX_TOPIC_LENGTH - prefix.length - 1`, and says so
   * here so that case `topicLengthLimit` checks its exact limit. An integer
   * from 3 to {@link MAX_TOPIC_LENGTH}.
   *
   * @default MAX_TOPIC_LENGTH
   */
  maxTopicLength?: number;
}

/** What each case of the contract checks, by id. The ids are stable: use them in `exceptions`. */
export const BUS_CONTRACT_CASES = {
  publishDelivers: "delivers a published message with id, topic, payload, timestamp and headers",
  deliveryIsAsynchronous: "calls handlers after publish has returned, never inside it, and publish resolves before handling ends",
  exactTopicMatch: "a pattern without wildcards matches only that exact topic",
  singleWildcard: "`*` matches exactly one token, in any position",
  tailWildcard: "`>` matches one or more trailing tokens: `a.>` matches `a.b` and `a.b.c` but not `a`",
  invalidTopicRejected: "publish and request reject a malformed topic with INVALID_TOPIC naming it",
  invalidPatternThrows: "subscribe throws INVALID_TOPIC for a malformed pattern, naming it",
  topicLengthLimit: "a topic or pattern of the longest length (1,024 characters, less any prefix the bus adds) works; one character more is refused with INVALID_TOPIC naming the limit by publish, subscribe and request",
  fifoPerSubscription: "delivers messages to each subscription in publish order, with sync and async handlers",
  concurrencyOneByDefault: "runs one handler call at a time per subscription by default",
  concurrencyLimit: "runs up to `concurrency` handler calls of one subscription at once, never more",
  everySubscriberReceives: "every matching subscription receives every message, also the same handler subscribed twice",
  queueGroups: "a queue group gets each message once (one member), across the group's patterns; plain subscribers get every message",
  overflowDropOldest: "a full queue with overflow 'drop-oldest' (the default) drops its oldest pending message, counted",
  overflowDropNewest: "a full queue with overflow 'drop-newest' drops the new message, counted",
  overflowErrorRejects: "a full queue with overflow 'error' rejects the publish with QUEUE_FULL and the message is queued nowhere",
  handlerErrorIsolated: "a throwing or rejecting handler reaches neither the publisher nor other subscribers; its error goes to onError",
  onErrorThrowingIsContained: "an onError that throws does not stop delivery",
  requestFirstReplyWins: "request resolves with the first reply (sync or via a promise); a handler returning undefined does not reply",
  requestNoResponders: "request rejects at once with NO_RESPONDERS when no subscription matches",
  requestNoReply: "request rejects at once with NO_REPLY when every matching handler settles without replying (a throw counts)",
  requestTimeout: "request rejects with REQUEST_TIMEOUT when no reply comes within timeoutMs, on the bus's clock",
  flushCoversEarlierMessages: "flush resolves once every message published before it was handled by every matching subscriber",
  flushIgnoresLaterMessages: "flush resolves under continuous publishing: it waits only for messages published before it",
  closeFlushesThenRefuses: "close flushes pending messages, then refuses publish and request with BUS_CLOSED; it is idempotent",
  unsubscribeStopsDelivery: "unsubscribe stops delivery at once: pending messages are dropped (and counted), later ones never arrive",
  statsCount: "stats(), when the bus keeps it, counts published, delivered, pending and handler errors",
} as const;

/** Id of a case of the Bus contract. */
export type BusContractCase = keyof typeof BUS_CONTRACT_CASES;

/** Real-time bound for anything a correct bus does at once (a networked one included). */
const SOON_MS = 2_000;

/**
 * The behaviour every {@link Bus} implementation must share, as a runner-agnostic
 * test suite: it registers one test per case through `test` (vitest's or jest's
 * `test`, `node:test`'s `test`, ...) and asserts with `node:assert` only. Each
 * case gets a fresh bus from `makeBus` and closes it afterwards.
 *
 * Test names are `<case id>: <what it checks>` (see {@link BUS_CONTRACT_CASES}).
 * Request timeouts are checked on the injected `ManualClock`; a bus that keeps
 * real time instead still passes (within about a second of real time).
 *
 * @param makeBus - builds a fresh bus; it may use the context's `ManualClock`, or ignore its argument
 * @param test - the test runner's `test(name, fn)`
 * @param options - declared exceptions and the runner's `skip` to report them, the bus's topic length limit; see {@link BusContractOptions}
 * @throws TypeError for bad options: an unknown case id or an empty reason in `exceptions`, exceptions without `skip`, a `maxTopicLength` out of range
 * @example
 * ```ts
 * import { test } from "vitest";
 * import { createBus } from "@acme/agent-orchestrator";
 * import { busContract } from "@acme/agent-orchestrator/testing";
 *
 * busContract(({ clock }) => createBus({ clock }), test);
 * ```
 */
export function busContract(
  makeBus: (context: BusContractContext) => Bus | Promise<Bus>,
  test: (name: string, fn: () => unknown) => void,
  options: BusContractOptions = {},
): void {
  const { exceptions, skip, maxTopicLength } = checkOptions(options);
  for (const id of Object.keys(BUS_CONTRACT_CASES) as BusContractCase[]) {
    const title = `${id}: ${BUS_CONTRACT_CASES[id]}`;
    const reason = exceptions[id];
    if (reason !== undefined) {
      skip(title, reason);
      continue;
    }
    const body = CASES[id];
    test(title, async () => {
      const clock = new ManualClock(Date.UTC(2026, 0, 5, 9, 30));
      const bus = await makeBus({ clock });
      let failed = true;
      try {
        await body({ bus, clock, maxTopicLength });
        failed = false;
      } finally {
        const closing = within(Promise.resolve(bus.close()), SOON_MS, "bus.close() after the case");
        if (failed) await closing.catch(() => undefined);
        else await closing;
      }
    });
  }
}

function checkOptions(options: BusContractOptions): {
  exceptions: Partial<Record<BusContractCase, string>>;
  skip: (name: string, reason: string) => void;
  maxTopicLength: number;
} {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`busContract: expected options to be an object, got ${describeValue(options)}`);
  }
  const { exceptions = {}, skip, maxTopicLength = MAX_TOPIC_LENGTH } = options;
  if (typeof exceptions !== "object" || exceptions === null) {
    throw new TypeError(`busContract: expected \`exceptions\` to be an object of case id → reason, got ${describeValue(exceptions)}`);
  }
  const declared = Object.entries(exceptions);
  for (const [id, reason] of declared) {
    if (!Object.hasOwn(BUS_CONTRACT_CASES, id)) {
      throw new TypeError(`busContract: unknown case ${JSON.stringify(id)} in \`exceptions\`; expected one of ${Object.keys(BUS_CONTRACT_CASES).join(", ")}`);
    }
    if (typeof reason !== "string" || reason.trim() === "") {
      throw new TypeError(`busContract: expected \`exceptions.${id}\` to be a non-empty reason, got ${describeValue(reason)}`);
    }
  }
  if (skip !== undefined && typeof skip !== "function") {
    throw new TypeError(`busContract: expected \`skip\` to be a function (name, reason) that registers a skipped test, got ${describeValue(skip)}`);
  }
  if (skip === undefined && declared.length > 0) {
    throw new TypeError(
      `busContract: \`exceptions\` declares ${declared.map(([id]) => id).join(", ")} but there is no \`skip\`: a declared exception is reported as a skipped test carrying its reason, so pass the runner's way to register one, such as \`skip: (name, reason) => test.skip(\`\${name} — declared exception: \${reason}\`, () => undefined)\``,
    );
  }
  if (!Number.isSafeInteger(maxTopicLength) || maxTopicLength < 3 || maxTopicLength > MAX_TOPIC_LENGTH) {
    throw new TypeError(`busContract: expected \`maxTopicLength\` to be an integer from 3 to ${MAX_TOPIC_LENGTH} (MAX_TOPIC_LENGTH: no Bus accepts longer topics, any prefix included), got ${describeValue(maxTopicLength)}`);
  }
  // without exceptions `skip` is never called
  return { exceptions, skip: skip ?? (() => undefined), maxTopicLength };
}

interface CaseContext {
  readonly bus: Bus;
  readonly clock: ManualClock;
  /** The longest topic the bus accepts (`maxTopicLength`). */
  readonly maxTopicLength: number;
}

const CASES: Record<BusContractCase, (context: CaseContext) => Promise<void>> = {
  async publishDelivers({ bus, clock }) {
    const got: Message[] = [];
    bus.subscribe("orders.new", (message) => {
      got.push(message);
    });
    const before = Date.now();
    await bus.publish("orders.new", { qty: 1, side: "buy" }, { headers: { trace: "t-1" } });
    await bus.publish("orders.new", { qty: 2, side: "sell" });
    await bus.flush();
    const after = Date.now();
    assert.equal(got.length, 2, "the subscriber should receive both messages");
    const [first, second] = got as [Message, Message];
    for (const message of got) {
      assert.equal(typeof message.id, "string");
      assert.ok(message.id.length > 0, "message.id should be non-empty");
      assert.equal(message.topic, "orders.new");
      assert.equal(typeof message.timestamp, "number");
      const onClock = message.timestamp === clock.now();
      const onRealTime = message.timestamp >= before - 1_000 && message.timestamp <= after + 1_000;
      assert.ok(onClock || onRealTime, `message.timestamp ${message.timestamp} is neither the bus clock's time nor the current time`);
    }
    assert.notEqual(first.id, second.id, "message ids should be unique");
    assert.deepEqual(first.payload, { qty: 1, side: "buy" });
    assert.deepEqual(second.payload, { qty: 2, side: "sell" });
    assert.deepEqual({ ...first.headers }, { trace: "t-1" });
  },

  async deliveryIsAsynchronous({ bus }) {
    let calls = 0;
    const hold = gate();
    bus.subscribe("work.slow", async () => {
      calls++;
      await hold.promise;
    });
    const published = bus.publish("work.slow", 1);
    assert.equal(calls, 0, "a handler ran inside publish(): delivery must be asynchronous");
    assert.equal(typeof published.then, "function", "publish should return a promise");
    await within(published, SOON_MS, "publish() to resolve while its handler is still running");
    await waitFor(() => calls >= 1, "the handler to be called");
    hold.release();

    const order: string[] = [];
    bus.subscribe("work.chain", (message) => {
      order.push(`start ${String(message.payload)}`);
      if (message.payload === 1) void bus.publish("work.chain", 2);
      order.push(`end ${String(message.payload)}`);
    });
    await bus.publish("work.chain", 1);
    await waitFor(() => order.length >= 4, "both chained messages to be handled");
    assert.deepEqual(order, ["start 1", "end 1", "start 2", "end 2"], "a publish inside a handler must not re-enter handlers");
  },

  async exactTopicMatch({ bus }) {
    const got: string[] = [];
    bus.subscribe("a.b", (message) => {
      got.push(message.topic);
    });
    for (const topic of ["a", "a.b", "a.b.c", "a.bc", "x.a.b", "A.b"]) await bus.publish(topic, topic);
    await bus.flush();
    assert.deepEqual(got, ["a.b"]);
  },

  async singleWildcard({ bus }) {
    const got = record(bus, ["a.*", "*.b", "a.*.c"]);
    for (const topic of ["a", "a.b", "a.b.c", "x.b", "a.x.c", "a.x.y.c", "b"]) await bus.publish(topic, topic);
    await bus.flush();
    assert.deepEqual(got["a.*"], ["a.b"]);
    assert.deepEqual(got["*.b"], ["a.b", "x.b"]);
    assert.deepEqual(got["a.*.c"], ["a.b.c", "a.x.c"]);
  },

  async tailWildcard({ bus }) {
    const got = record(bus, ["a.>", ">", "a.*.>"]);
    for (const topic of ["a", "a.b", "a.b.c", "b", "ab.c"]) await bus.publish(topic, topic);
    await bus.flush();
    assert.deepEqual(got["a.>"], ["a.b", "a.b.c"], "`a.>` must match `a.b` and `a.b.c` but not `a`");
    assert.deepEqual(got[">"], ["a", "a.b", "a.b.c", "b", "ab.c"], "`>` must match every topic");
    assert.deepEqual(got["a.*.>"], ["a.b.c"]);
  },

  async invalidTopicRejected({ bus }) {
    let delivered = 0;
    bus.subscribe(">", () => {
      delivered++;
    });
    for (const topic of ["", "a..b", ".a", "a.", "a b", "a/b", "a.*", "a.>", ">", "prices.é"]) {
      let result: Promise<unknown>;
      try {
        result = bus.publish(topic, 1);
      } catch (error) {
        assert.fail(`publish(${JSON.stringify(topic)}) threw synchronously; it must return a rejected promise (${describeThrown(error)})`);
      }
      await assert.rejects(result, (error: unknown) => hasCode(error, "INVALID_TOPIC") && namesIt(error, topic), `publish(${JSON.stringify(topic)}) should reject with INVALID_TOPIC naming the topic`);
    }
    await assert.rejects(bus.request("a..b", 1, { timeoutMs: 60_000 }), (error: unknown) => hasCode(error, "INVALID_TOPIC"));
    await bus.flush();
    assert.equal(delivered, 0, "nothing should be delivered for a malformed topic");
  },

  async invalidPatternThrows({ bus }) {
    for (const pattern of ["", "a..b", ".a", "a.", "a.>.b", ">.a", "a.b*", "a.*b", "a b", "a.>>", "a/b"]) {
      assert.throws(
        () => bus.subscribe(pattern, () => undefined),
        (error: unknown) => hasCode(error, "INVALID_TOPIC") && namesIt(error, pattern),
        `subscribe(${JSON.stringify(pattern)}) should throw INVALID_TOPIC naming the pattern`,
      );
    }
  },

  async topicLengthLimit({ bus, maxTopicLength: limit }) {
    const body = "x".repeat(limit - 2);
    const longest = `a.${body}`;
    const longestPattern = `*.${body}`;
    /** `run()`, or a failure saying that `what` of the longest length was refused. */
    const works = async <T>(what: string, run: () => T | Promise<T>): Promise<T> => {
      try {
        return await run();
      } catch (error) {
        assert.fail(`${what} of ${limit} characters (the longest length) should work; it failed: ${describeThrown(error)}`);
      }
    };
    const got: string[] = [];
    await works("subscribe to a pattern", () =>
      bus.subscribe(longest, (message) => {
        got.push(`exact ${message.topic.length}`);
        return "pong";
      }),
    );
    await works("subscribe to a pattern", () =>
      bus.subscribe(longestPattern, () => {
        got.push("wildcard");
      }),
    );
    await works("publish on a topic", () => bus.publish(longest, 1));
    await bus.flush();
    assert.deepEqual([...got].sort(), [`exact ${limit}`, "wildcard"], `a topic and a pattern of ${limit} characters should work`);
    const reply = await works("request on a topic", () => within(bus.request(longest, 2, { timeoutMs: 60_000 }), SOON_MS, "the reply"));
    assert.equal(reply, "pong");
    await bus.flush();
    got.length = 0;

    const over = `${longest}y`;
    const refusals: Array<[string, () => Promise<unknown>]> = [
      ["publish", () => bus.publish(over, 3)],
      ["request", () => bus.request(over, 4, { timeoutMs: 60_000 })],
    ];
    for (const [operation, attempt] of refusals) {
      let result: Promise<unknown>;
      try {
        result = attempt();
      } catch (error) {
        assert.fail(`${operation} on a topic of ${limit + 1} characters threw synchronously; it must return a rejected promise (${describeThrown(error)})`);
      }
      await assert.rejects(
        within(result, SOON_MS, `${operation} on a topic of ${limit + 1} characters to settle`),
        (error: unknown) => hasCode(error, "INVALID_TOPIC") && namesLimit(error),
        `${operation} on a topic of ${limit + 1} characters should reject with INVALID_TOPIC naming the limit, ${MAX_TOPIC_LENGTH}`,
      );
    }
    for (const pattern of [`${longestPattern}y`, `${"x".repeat(limit - 1)}.>`]) {
      assert.throws(
        () => bus.subscribe(pattern, () => undefined),
        (error: unknown) => hasCode(error, "INVALID_TOPIC") && namesLimit(error),
        `subscribe to a pattern of ${limit + 1} characters should throw INVALID_TOPIC naming the limit, ${MAX_TOPIC_LENGTH}`,
      );
    }
    await bus.flush();
    assert.deepEqual(got, [], "nothing should be delivered for a refused topic");
  },

  async fifoPerSubscription({ bus }) {
    const sync: unknown[] = [];
    const async: unknown[] = [];
    bus.subscribe("seq", (message) => {
      sync.push(message.payload);
    });
    bus.subscribe("seq", async (message) => {
      await Promise.resolve();
      await Promise.resolve();
      async.push(message.payload);
    });
    const expected = Array.from({ length: 200 }, (_, i) => i);
    for (const n of expected) void bus.publish("seq", n);
    await bus.flush();
    assert.deepEqual(sync, expected);
    assert.deepEqual(async, expected);
  },

  async concurrencyOneByDefault({ bus }) {
    const started: number[] = [];
    const gates = [gate(), gate(), gate()];
    let running = 0;
    let peak = 0;
    bus.subscribe("job", async (message) => {
      const n = message.payload as number;
      started.push(n);
      running++;
      peak = Math.max(peak, running);
      await (gates[n] as Gate).promise;
      running--;
    });
    for (const n of [0, 1, 2]) await bus.publish("job", n);
    await waitFor(() => started.length >= 1, "the first call to start");
    await turns(20);
    assert.deepEqual(started, [0], "a second call started while the first was running");
    (gates[0] as Gate).release();
    await waitFor(() => started.length >= 2, "the second call to start");
    (gates[1] as Gate).release();
    (gates[2] as Gate).release();
    await bus.flush();
    assert.deepEqual(started, [0, 1, 2]);
    assert.equal(peak, 1);
  },

  async concurrencyLimit({ bus }) {
    const started: number[] = [];
    const gates = Array.from({ length: 5 }, () => gate());
    let running = 0;
    let peak = 0;
    bus.subscribe(
      "job",
      async (message) => {
        const n = message.payload as number;
        started.push(n);
        running++;
        peak = Math.max(peak, running);
        await (gates[n] as Gate).promise;
        running--;
      },
      { concurrency: 3 },
    );
    for (let n = 0; n < 5; n++) await bus.publish("job", n);
    await waitFor(() => started.length >= 3, "three calls to run at once");
    await turns(20);
    assert.deepEqual(started, [0, 1, 2], "more than `concurrency` calls started");
    (gates[1] as Gate).release();
    await waitFor(() => started.length >= 4, "a fourth call once one finished");
    for (const g of gates) g.release();
    await bus.flush();
    assert.deepEqual([...started].sort(), [0, 1, 2, 3, 4]);
    assert.equal(peak, 3);
  },

  async everySubscriberReceives({ bus }) {
    const got: string[] = [];
    const handler = (message: Message): void => {
      got.push(String(message.payload));
    };
    bus.subscribe("fan.out", handler);
    bus.subscribe("fan.out", handler);
    bus.subscribe("fan.*", (message) => {
      got.push(`star ${String(message.payload)}`);
    });
    await bus.publish("fan.out", 1);
    await bus.publish("fan.out", 2);
    await bus.flush();
    assert.deepEqual([...got].sort(), ["1", "1", "2", "2", "star 1", "star 2"]);
  },

  async queueGroups({ bus }) {
    const members: unknown[][] = [[], [], []];
    members.forEach((list, i) => {
      bus.subscribe(
        i === 2 ? "jobs.*" : "jobs.run",
        (message) => {
          list.push(message.payload);
        },
        { queue: "workers" },
      );
    });
    const crossPattern: unknown[] = [];
    bus.subscribe("jobs.>", (message) => void crossPattern.push(message.payload), { queue: "auditors" });
    bus.subscribe("*.run", (message) => void crossPattern.push(message.payload), { queue: "auditors" });
    const plain: unknown[] = [];
    bus.subscribe("jobs.run", (message) => {
      plain.push(message.payload);
    });
    const sent = Array.from({ length: 30 }, (_, i) => i);
    for (const n of sent) await bus.publish("jobs.run", n);
    await bus.flush();
    const all = members.flat().sort((a, b) => (a as number) - (b as number));
    assert.deepEqual(all, sent, "each message should reach exactly one member of the queue group 'workers'");
    assert.deepEqual([...crossPattern].sort((a, b) => (a as number) - (b as number)), sent, "a queue group spans its members' patterns: one delivery per message");
    assert.deepEqual(plain, sent, "a plain subscriber should receive every message");
  },

  async overflowDropOldest({ bus }) {
    const { received, release } = await fillQueue(bus, {});
    const before = bus.stats?.().dropped;
    for (const n of [1, 2, 3, 4]) await bus.publish("q", n);
    if (before !== undefined) assert.equal(bus.stats?.().dropped, before + 2, "stats().dropped should count the two dropped messages");
    release();
    await bus.flush();
    assert.deepEqual(received, [0, 3, 4], "the oldest pending messages (1, 2) should have been dropped");
  },

  async overflowDropNewest({ bus }) {
    const { received, release } = await fillQueue(bus, { overflow: "drop-newest" });
    const before = bus.stats?.().dropped;
    for (const n of [1, 2, 3, 4]) await bus.publish("q", n);
    if (before !== undefined) assert.equal(bus.stats?.().dropped, before + 2, "stats().dropped should count the two dropped messages");
    release();
    await bus.flush();
    assert.deepEqual(received, [0, 1, 2], "the new messages (3, 4) should have been dropped");
  },

  async overflowErrorRejects({ bus }) {
    const other: unknown[] = [];
    bus.subscribe("q", (message) => {
      other.push(message.payload);
    });
    const { received, release } = await fillQueue(bus, { overflow: "error", maxPending: 1 });
    await bus.publish("q", 1);
    await assert.rejects(bus.publish("q", 2), (error: unknown) => hasCode(error, "QUEUE_FULL"), "the publish finding the queue full should reject with QUEUE_FULL");
    release();
    await bus.flush();
    await bus.publish("q", 3);
    await bus.flush();
    assert.deepEqual(received, [0, 1, 3]);
    assert.deepEqual(other, [0, 1, 3], "a refused message must be queued nowhere, not even for subscriptions with room");
  },

  async handlerErrorIsolated({ bus }) {
    const routed: Array<{ error: unknown; topic: string; payload: unknown }> = [];
    const onError = (error: unknown, message: Message): void => {
      routed.push({ error, topic: message.topic, payload: message.payload });
    };
    let throwerCalls = 0;
    bus.subscribe(
      "risky",
      (message) => {
        throwerCalls++;
        throw new Error(`sync ${String(message.payload)}`);
      },
      { onError },
    );
    bus.subscribe(
      "risky",
      async (message) => {
        await Promise.resolve();
        throw new Error(`async ${String(message.payload)}`);
      },
      { onError },
    );
    const healthy: unknown[] = [];
    bus.subscribe("risky", (message) => {
      healthy.push(message.payload);
    });
    const errorsBefore = bus.stats?.().handlerErrors;
    await within(bus.publish("risky", 1), SOON_MS, "publish to resolve despite failing handlers");
    await bus.publish("risky", 2);
    await bus.flush();
    assert.deepEqual(healthy, [1, 2], "other subscribers must be unaffected");
    assert.equal(throwerCalls, 2, "a subscription whose handler threw must keep receiving");
    const messages = routed.map((entry) => describeThrown(entry.error)).sort();
    assert.deepEqual(messages, ["async 1", "async 2", "sync 1", "sync 2"]);
    for (const entry of routed) assert.equal(entry.topic, "risky", "onError should receive the failed message");
    if (errorsBefore !== undefined) assert.equal(bus.stats?.().handlerErrors, errorsBefore + 4);
  },

  async onErrorThrowingIsContained({ bus }) {
    let calls = 0;
    bus.subscribe(
      "fragile",
      () => {
        calls++;
        throw new Error("handler failed");
      },
      {
        onError: () => {
          throw new Error("onError failed too");
        },
      },
    );
    const healthy: unknown[] = [];
    bus.subscribe("fragile", (message) => {
      healthy.push(message.payload);
    });
    for (const n of [1, 2, 3]) await bus.publish("fragile", n);
    await bus.flush();
    assert.equal(calls, 3, "delivery to the failing subscription must go on");
    assert.deepEqual(healthy, [1, 2, 3]);
  },

  async requestFirstReplyWins({ bus }) {
    const slow = gate();
    bus.subscribe("math.add", () => undefined);
    bus.subscribe("math.add", async () => {
      await slow.promise;
      return "slow";
    });
    bus.subscribe("math.*", (message) => {
      const { a, b } = message.payload as { a: number; b: number };
      return a + b;
    });
    const reply = await within(bus.request("math.add", { a: 2, b: 3 }, { timeoutMs: 60_000 }), SOON_MS, "the first reply");
    assert.equal(reply, 5);
    slow.release();

    const later = gate();
    bus.subscribe("async.reply", async () => {
      await later.promise;
      return { ok: true };
    });
    const pending = bus.request("async.reply", null, { timeoutMs: 60_000 });
    await turns(5);
    later.release();
    assert.deepEqual(await within(pending, SOON_MS, "a reply through a promise"), { ok: true });
  },

  async requestNoResponders({ bus }) {
    bus.subscribe("somebody.else", () => "hello");
    await within(
      assert.rejects(bus.request("nobody.home", 1, { timeoutMs: 60_000 }), (error: unknown) => hasCode(error, "NO_RESPONDERS")),
      SOON_MS,
      "NO_RESPONDERS without waiting for the timeout",
    );
    const subscription = bus.subscribe("gone", () => "here");
    await subscription.unsubscribe();
    await within(
      assert.rejects(bus.request("gone", 1, { timeoutMs: 60_000 }), (error: unknown) => hasCode(error, "NO_RESPONDERS")),
      SOON_MS,
      "NO_RESPONDERS after the only subscriber left",
    );
  },

  async requestNoReply({ bus }) {
    const routed: unknown[] = [];
    bus.subscribe("silent", () => undefined);
    bus.subscribe("silent", async () => {
      await Promise.resolve();
    });
    bus.subscribe(
      "silent",
      () => {
        throw new Error("no answer");
      },
      { onError: (error) => void routed.push(error) },
    );
    await within(
      assert.rejects(bus.request("silent", 1, { timeoutMs: 60_000 }), (error: unknown) => hasCode(error, "NO_REPLY")),
      SOON_MS,
      "NO_REPLY as soon as every handler settled, without waiting for the timeout",
    );
    await bus.flush();
    assert.equal(routed.length, 1, "the handler error should still reach onError");
  },

  async requestTimeout({ bus, clock }) {
    const hold = gate();
    let started = false;
    bus.subscribe("slow.service", async () => {
      started = true;
      await hold.promise;
      return "too late";
    });
    const state: { outcome?: { value: unknown } | { error: unknown } } = {};
    const request = bus.request("slow.service", 1, { timeoutMs: 300 }).then(
      (value) => {
        state.outcome = { value };
      },
      (error: unknown) => {
        state.outcome = { error };
      },
    );
    await waitFor(() => started, "the handler to start");
    await clock.advance(299);
    assert.equal(state.outcome, undefined, "the request settled before its timeout");
    await clock.advance(1);
    // a bus on the injected clock has timed out now; one on real time does within about a second
    await within(request, 1_500, "the request to time out");
    const outcome = state.outcome as { value: unknown } | { error: unknown } | undefined;
    assert.ok(outcome !== undefined && "error" in outcome, `the request should have been rejected, got ${JSON.stringify(outcome)}`);
    assert.ok(hasCode(outcome.error, "REQUEST_TIMEOUT"), `expected REQUEST_TIMEOUT, got ${describeThrown(outcome.error)}`);
    hold.release();
  },

  async flushCoversEarlierMessages({ bus }) {
    await within(bus.flush(), SOON_MS, "flush() on an idle bus");
    let sync = 0;
    let async = 0;
    bus.subscribe("batch", () => {
      sync++;
    });
    bus.subscribe("batch.*", async () => {
      await turns(2);
      async++;
    });
    bus.subscribe(
      "batch.*",
      async () => {
        await Promise.resolve();
      },
      { concurrency: 4 },
    );
    for (let i = 0; i < 50; i++) {
      void bus.publish("batch", i);
      void bus.publish("batch.x", i);
    }
    await within(bus.flush(), SOON_MS, "flush()");
    assert.equal(sync, 50);
    assert.equal(async, 50, "flush resolved before every earlier message was handled");
  },

  async flushIgnoresLaterMessages({ bus }) {
    let running = true;
    let handled = 0;
    bus.subscribe("loop", async (message) => {
      handled++;
      await Promise.resolve();
      if (running) await bus.publish("loop", (message.payload as number) + 1);
    });
    await bus.publish("loop", 0);
    try {
      await within(bus.flush(), SOON_MS, "flush() while handlers keep publishing");
      assert.ok(handled >= 1, "the message published before flush() should have been handled");
    } finally {
      running = false;
    }
  },

  async closeFlushesThenRefuses({ bus }) {
    let handled = 0;
    bus.subscribe("last.words", async () => {
      await turns(2);
      handled++;
    });
    for (let i = 0; i < 5; i++) await bus.publish("last.words", i);
    await within(bus.close(), SOON_MS, "close()");
    assert.equal(handled, 5, "close() should flush the pending messages first");
    await assert.rejects(bus.publish("last.words", 6), (error: unknown) => hasCode(error, "BUS_CLOSED"));
    await assert.rejects(bus.request("last.words", 7, { timeoutMs: 60_000 }), (error: unknown) => hasCode(error, "BUS_CLOSED"));
    await within(bus.close(), SOON_MS, "a second close()");
    assert.equal(handled, 5);
  },

  async unsubscribeStopsDelivery({ bus }) {
    const received: unknown[] = [];
    const hold = gate();
    const subscription = bus.subscribe("feed", async (message) => {
      received.push(message.payload);
      await hold.promise;
    });
    const others: unknown[] = [];
    bus.subscribe("feed", (message) => {
      others.push(message.payload);
    });
    await bus.publish("feed", 0);
    await waitFor(() => received.length >= 1, "the first message to be in the handler");
    await bus.publish("feed", 1);
    await bus.publish("feed", 2);
    const before = bus.stats?.().dropped;
    await subscription.unsubscribe();
    if (before !== undefined) assert.equal(bus.stats?.().dropped, before + 2, "the two pending messages should be counted as dropped");
    hold.release();
    await bus.publish("feed", 3);
    await bus.flush();
    await subscription.unsubscribe();
    assert.deepEqual(received, [0], "no message may reach a subscription after unsubscribe");
    assert.deepEqual(others, [0, 1, 2, 3]);
  },

  async statsCount({ bus }) {
    const stats = bus.stats?.bind(bus);
    if (stats === undefined) return;
    const start = stats();
    const hold = gate();
    bus.subscribe("metered", async (message) => {
      if (message.payload === "boom") throw new Error("boom");
      await hold.promise;
    }, { onError: () => undefined });
    bus.subscribe("metered", () => undefined);
    await bus.publish("metered", 1);
    await bus.publish("metered", 2);
    await bus.publish("nobody.listens", 3);
    await waitFor(() => stats().delivered - start.delivered >= 2, "the synchronous handler's deliveries");
    assert.equal(stats().published - start.published, 3, "published counts accepted messages, with or without subscribers");
    assert.equal(stats().pending, 1, "one message waits behind the running handler call");
    hold.release();
    await bus.publish("metered", "boom");
    await bus.flush();
    const end = stats();
    assert.equal(end.published - start.published, 4);
    assert.equal(end.delivered - start.delivered, 6, "delivered counts completed handler calls, failed ones included");
    assert.equal(end.handlerErrors - start.handlerErrors, 1);
    assert.equal(end.pending, 0);
  },
};

interface Gate {
  readonly promise: Promise<void>;
  readonly release: () => void;
}

function gate(): Gate {
  let release!: () => void;
  const promise = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { promise, release };
}

/** Subscribe one recorder per pattern; returns the topics each received. */
function record(bus: Bus, patterns: readonly string[]): Record<string, string[]> {
  const got: Record<string, string[]> = {};
  for (const pattern of patterns) {
    const list: string[] = [];
    got[pattern] = list;
    bus.subscribe(pattern, (message) => {
      list.push(message.topic);
    });
  }
  return got;
}

/** A subscription to "q" (maxPending 2 unless given) whose handler holds message 0 until `release()`. */
async function fillQueue(
  bus: Bus,
  options: { overflow?: "drop-oldest" | "drop-newest" | "error"; maxPending?: number },
): Promise<{ received: unknown[]; release: () => void }> {
  const received: unknown[] = [];
  const hold = gate();
  bus.subscribe(
    "q",
    async (message) => {
      received.push(message.payload);
      if (message.payload === 0) await hold.promise;
    },
    { maxPending: options.maxPending ?? 2, ...(options.overflow === undefined ? {} : { overflow: options.overflow }) },
  );
  await bus.publish("q", 0);
  await waitFor(() => received.length >= 1, "message 0 to be in the handler");
  return { received, release: hold.release };
}

function hasCode(error: unknown, code: string): boolean {
  try {
    return typeof error === "object" && error !== null && (error as { code?: unknown }).code === code;
  } catch {
    return false;
  }
}

function namesIt(error: unknown, text: string): boolean {
  return messageOf(error).includes(text);
}

/** Whether the error's message names the topic length limit, as `1024` or `1,024`. */
function namesLimit(error: unknown): boolean {
  const message = messageOf(error);
  return message.includes(String(MAX_TOPIC_LENGTH)) || message.includes(MAX_TOPIC_LENGTH.toLocaleString("en-US"));
}

/** An error's whole `message` (not cut, unlike {@link describeThrown}), or a description of what was thrown. */
function messageOf(error: unknown): string {
  try {
    const message = error instanceof Error ? error.message : undefined;
    if (typeof message === "string") return message;
  } catch {
    // unreadable: describe it instead
  }
  return describeThrown(error);
}

/** Let a few macrotask turns pass (promise chains settle, a bus's drain runs); no real-time wait. */
async function turns(count: number): Promise<void> {
  for (let i = 0; i < count; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Wait until `predicate()` holds, turn by turn, failing after {@link SOON_MS} of real time. */
async function waitFor(predicate: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + SOON_MS;
  while (!predicate()) {
    if (Date.now() > deadline) assert.fail(`timed out after ${SOON_MS} ms waiting for ${what}`);
    await turns(1);
  }
}

/** `promise`, or a failure naming `what` if it has not settled within `ms` of real time. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new assert.AssertionError({ message: `timed out after ${ms} ms waiting for ${what}` })), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
