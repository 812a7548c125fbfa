import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { createBus } from "../../src/bus/createBus.js";
import { isValidPattern, isValidTopic, MAX_TOPIC_LENGTH, topicMatches } from "../../src/bus/topic.js";
import { BusError } from "../../src/errors/BusError.js";

// Topic matching against a reference written from the NATS rules, token by
// token (test/topic.test.ts has a second, regex-based one for the trie alone);
// then the bus's real delivery through its trie and route cache against the
// same reference.

const TOKEN = /^[A-Za-z0-9_-]+$/;

/** The reference: split on dots, `*` is one token, a final `>` one or more. */
function reference(pattern: string, topic: string): boolean {
  const p = pattern.split(".");
  const t = topic.split(".");
  for (let i = 0; i < p.length; i++) {
    if (p[i] === ">") return i === p.length - 1 && t.length > i;
    if (i >= t.length) return false;
    if (p[i] !== "*" && p[i] !== t[i]) return false;
  }
  return p.length === t.length;
}

const referenceValidTopic = (topic: string): boolean => topic !== "" && topic.split(".").every((token) => TOKEN.test(token));
const referenceValidPattern = (pattern: string): boolean =>
  pattern !== "" && pattern.split(".").every((token, i, all) => TOKEN.test(token) || token === "*" || (token === ">" && i === all.length - 1));

const token = fc.constantFrom("a", "b", "c", "x-1", "Y_2");
const topicArb = fc.array(token, { minLength: 1, maxLength: 5 }).map((tokens) => tokens.join("."));
const patternArb = fc
  .tuple(fc.array(fc.oneof(token, fc.constant("*")), { minLength: 1, maxLength: 5 }), fc.boolean())
  .map(([tokens, tail]) => (tail ? [...tokens.slice(0, -1), ">"] : tokens).join("."));
/** Anything built of token characters, dots, wildcards and a few strangers: mostly invalid. */
const noiseArb = fc
  .array(fc.constantFrom("a", "b", ".", "*", ">", " ", "é", "", "/", "-", "_", "ab"), { maxLength: 8 })
  .map((parts) => parts.join(""));

describe("topicMatches against the reference", () => {
  test("agrees on every valid pattern and topic", () => {
    fc.assert(
      fc.property(patternArb, topicArb, (pattern, topic) => {
        expect(topicMatches(pattern, topic)).toBe(reference(pattern, topic));
      }),
      { numRuns: 2_000 },
    );
  });

  test("a pattern without wildcards matches exactly itself, and `>` alone matches every topic", () => {
    fc.assert(
      fc.property(topicArb, topicArb, (a, b) => {
        expect(topicMatches(a, b)).toBe(a === b);
        expect(topicMatches(">", b)).toBe(true);
      }),
    );
  });

  test("accepts exactly the valid topics and patterns, and throws INVALID_TOPIC for the rest", () => {
    fc.assert(
      fc.property(fc.oneof(noiseArb, patternArb, topicArb), fc.oneof(noiseArb, topicArb), (pattern, topic) => {
        expect(isValidPattern(pattern)).toBe(referenceValidPattern(pattern));
        expect(isValidTopic(topic)).toBe(referenceValidTopic(topic));
        if (referenceValidPattern(pattern) && referenceValidTopic(topic)) {
          expect(topicMatches(pattern, topic)).toBe(reference(pattern, topic));
        } else {
          let thrown: unknown;
          try {
            topicMatches(pattern, topic);
          } catch (error) {
            thrown = error;
          }
          expect(thrown).toBeInstanceOf(BusError);
          expect((thrown as BusError).code).toBe("INVALID_TOPIC");
        }
      }),
      { numRuns: 2_000 },
    );
  });
});

describe("the topic length limit", () => {
  /** A valid topic or pattern of exactly `length` characters: dot-separated tokens, wildcards for a pattern. */
  const sizedArb = (length: fc.Arbitrary<number>, pattern: boolean): fc.Arbitrary<string> =>
    fc.tuple(length, fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 8 }), fc.boolean()).map(([total, cuts, wild]) => {
      let text = "t".repeat(total);
      // turn some characters into dots (never first, last or next to another dot)
      for (const cut of cuts) {
        const at = Math.min(cut, total - 2);
        if (at > 0 && text[at - 1] !== "." && text[at + 1] !== ".") text = `${text.slice(0, at)}.${text.slice(at + 1)}`;
      }
      return pattern && wild ? `${text.slice(0, -3)}t.>` : text;
    });
  const lengthArb = fc.oneof(fc.integer({ min: 3, max: MAX_TOPIC_LENGTH + 40 }), fc.integer({ min: MAX_TOPIC_LENGTH - 3, max: MAX_TOPIC_LENGTH + 3 }));

  test("a well-formed topic or pattern is valid exactly when it has at most MAX_TOPIC_LENGTH characters, and the bus agrees", async () => {
    await fc.assert(
      fc.asyncProperty(sizedArb(lengthArb, false), sizedArb(lengthArb, true), async (topic, pattern) => {
        expect(referenceValidTopic(topic) && referenceValidPattern(pattern)).toBe(true);
        const topicFits = topic.length <= MAX_TOPIC_LENGTH;
        const patternFits = pattern.length <= MAX_TOPIC_LENGTH;
        expect(isValidTopic(topic)).toBe(topicFits);
        expect(isValidPattern(pattern)).toBe(patternFits);
        const bus = createBus();
        const published = await bus.publish(topic, 1).then(
          () => "accepted",
          (error: unknown) => (error as BusError).code,
        );
        expect(published).toBe(topicFits ? "accepted" : "INVALID_TOPIC");
        let subscribed = "subscribed";
        try {
          bus.subscribe(pattern, () => undefined);
        } catch (error) {
          subscribed = (error as BusError).code;
        }
        expect(subscribed).toBe(patternFits ? "subscribed" : "INVALID_TOPIC");
        await bus.close();
      }),
      { numRuns: 500 },
    );
  });
});

type Op =
  | { readonly kind: "subscribe"; readonly pattern: string; readonly queue: string | undefined }
  | { readonly kind: "unsubscribe"; readonly index: number }
  | { readonly kind: "publish"; readonly topic: string };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("subscribe" as const), pattern: patternArb, queue: fc.option(fc.constantFrom("g1", "g2"), { nil: undefined }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("unsubscribe" as const), index: fc.nat(30) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("publish" as const), topic: topicArb }) },
);

describe("the bus delivers through its trie exactly what the reference says", () => {
  test("subscriptions come and go between publishes: each message reaches every matching plain subscription and one member per queue group", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 40 }), fc.integer({ min: 0, max: 2 ** 31 }), async (ops, seed) => {
        let state = seed;
        const random = (): number => {
          state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
          return state / 2 ** 31;
        };
        const bus = createBus({ random });
        const subs: Array<{ pattern: string; queue: string | undefined; received: number[]; handle: { unsubscribe(): void } ; active: boolean }> = [];
        let n = 0;
        for (const op of ops) {
          if (op.kind === "subscribe") {
            const entry = { pattern: op.pattern, queue: op.queue, received: [] as number[], active: true, handle: { unsubscribe: () => undefined } as { unsubscribe(): void } };
            entry.handle = bus.subscribe(op.pattern, (message) => void entry.received.push(message.payload as number), op.queue === undefined ? {} : { queue: op.queue });
            subs.push(entry);
          } else if (op.kind === "unsubscribe") {
            const entry = subs[op.index % Math.max(1, subs.length)];
            if (entry !== undefined) {
              entry.handle.unsubscribe();
              entry.active = false;
            }
          } else {
            const id = n++;
            const matching = subs.filter((sub) => sub.active && reference(sub.pattern, op.topic));
            const before = subs.map((sub) => sub.received.length);
            await bus.publish(op.topic, id);
            await bus.flush();
            const got = subs.map((sub, i) => sub.received.length - (before[i] ?? 0));
            // plain subscriptions: every match exactly once, nobody else
            subs.forEach((sub, i) => {
              if (sub.queue !== undefined) return;
              expect(got[i]).toBe(matching.includes(sub) ? 1 : 0);
              if (got[i] === 1) expect(sub.received.at(-1)).toBe(id);
            });
            // queue groups: exactly one matching member per group that has one
            for (const group of ["g1", "g2"]) {
              const members = subs.map((sub, i) => ({ sub, i })).filter(({ sub }) => sub.queue === group);
              const total = members.reduce((sum, { i }) => sum + (got[i] ?? 0), 0);
              expect(total).toBe(members.some(({ sub }) => matching.includes(sub)) ? 1 : 0);
              for (const { sub, i } of members) if ((got[i] ?? 0) > 0) expect(matching.includes(sub)).toBe(true);
            }
          }
        }
        await bus.close();
      }),
      { numRuns: 150 },
    );
  });
});
