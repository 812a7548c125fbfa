import assert from "node:assert/strict";
import type { Bus } from "../../bus/Bus.js";
import { MAX_TOPIC_LENGTH } from "../../bus/topic.js";
import { describeThrown } from "../../errors/describeThrown.js";
import { SOON_MS, hasCode, namesIt, namesLimit, within } from "./caseTools.js";
import type { CaseBodies } from "./cases.js";

/** Malformed and over-long topics and patterns: refused with INVALID_TOPIC, naming what was refused. */
export const BAD_INPUT_CASES: CaseBodies<"invalidTopicRejected" | "invalidPatternThrows" | "topicLengthLimit" | "invalidRequestSignal"> = {
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
    const got = await acceptsLongest(bus, limit, longest, longestPattern);
    got.length = 0;
    await refusesLonger(bus, limit, longest, longestPattern);
    await bus.flush();
    assert.deepEqual(got, [], "nothing should be delivered for a refused topic");
  },

  async invalidRequestSignal({ bus }) {
    let calls = 0;
    bus.subscribe("asked", () => {
      calls++;
      return "an answer";
    });
    for (const signal of ["abort", 1, null, { aborted: false }]) {
      await within(
        assert.rejects(
          bus.request("asked", 1, { timeoutMs: 60_000, signal: signal as unknown as AbortSignal }),
          (error: unknown) => hasCode(error, "INVALID_OPTION") && namesIt(error, "signal"),
          `request with signal ${describeThrown(signal)} should reject with INVALID_OPTION naming \`signal\``,
        ),
        SOON_MS,
        "INVALID_OPTION for a bad signal",
      );
    }
    await bus.flush();
    assert.equal(calls, 0, "a request refused for its options must not be sent");
  },
};

/** `run()`, or a failure saying that `what` of the longest length (`limit`) was refused. */
async function works<T>(limit: number, what: string, run: () => T | Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    assert.fail(`${what} of ${limit} characters (the longest length) should work; it failed: ${describeThrown(error)}`);
  }
}

/** Subscribe, publish and request at the longest length; returns what the subscriptions keep receiving. */
async function acceptsLongest(bus: Bus, limit: number, longest: string, longestPattern: string): Promise<string[]> {
  const got: string[] = [];
  await works(limit, "subscribe to a pattern", () =>
    bus.subscribe(longest, (message) => {
      got.push(`exact ${message.topic.length}`);
      return "pong";
    }),
  );
  await works(limit, "subscribe to a pattern", () =>
    bus.subscribe(longestPattern, () => {
      got.push("wildcard");
    }),
  );
  await works(limit, "publish on a topic", () => bus.publish(longest, 1));
  await bus.flush();
  assert.deepEqual([...got].sort(), [`exact ${limit}`, "wildcard"], `a topic and a pattern of ${limit} characters should work`);
  const reply = await works(limit, "request on a topic", () => within(bus.request(longest, 2, { timeoutMs: 60_000 }), SOON_MS, "the reply"));
  assert.equal(reply, "pong");
  await bus.flush();
  return got;
}

/** Publish, request and subscribe one character over the limit: each refused with INVALID_TOPIC naming the limit. */
async function refusesLonger(bus: Bus, limit: number, longest: string, longestPattern: string): Promise<void> {
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
}
