import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TopicTrie } from "../src/bus/TopicTrie.js";
import { isValidPattern, isValidTopic, topicMatches, validatePattern, validateTopic } from "../src/bus/topic.js";
import { BusError } from "../src/errors/BusError.js";

/** The obvious matcher, written independently of the trie: a pattern compiled to a regular expression. */
function referenceMatch(pattern: string, topic: string): boolean {
  const source = pattern
    .split(".")
    .map((token) => (token === "*" ? "[^.]+" : token === ">" ? "[^.]+(?:\\.[^.]+)*" : token.replace(/[-]/g, "\\-")))
    .join("\\.");
  return new RegExp(`^${source}$`).test(topic);
}

function catchError(fn: () => unknown): BusError {
  try {
    fn();
  } catch (error) {
    if (error instanceof BusError) return error;
    throw error;
  }
  throw new Error("expected a BusError");
}

describe("topic validation", () => {
  it("accepts dot-separated tokens of letters, digits, _ and -", () => {
    for (const topic of ["a", "prices.AAPL", "cron.data_market", "x-1.y_2.Z3", "a.b.c.d.e.f"]) {
      expect(validateTopic(topic)).toEqual(topic.split("."));
      expect(isValidTopic(topic)).toBe(true);
    }
  });

  it.each([
    ["", "it is empty"],
    ["a..b", "token 2 is empty"],
    [".a", "token 1 is empty"],
    ["a.", "token 2 is empty"],
    ["a b", 'contains " "'],
    ["prices/AAPL", 'contains "/"'],
    ["prices.é", 'contains "é"'],
    ["a.*", "wildcards are only allowed in subscription patterns"],
    ["a.>", "wildcards are only allowed in subscription patterns"],
  ])("refuses the topic %j, saying %s", (topic, why) => {
    const error = catchError(() => validateTopic(topic));
    expect(error.code).toBe("INVALID_TOPIC");
    expect(error.topic).toBe(topic);
    expect(error.message).toContain(JSON.stringify(topic));
    expect(error.message).toContain(why);
    expect(isValidTopic(topic)).toBe(false);
  });

  it("refuses a topic that is not a string, naming what it got", () => {
    expect(catchError(() => validateTopic(42)).message).toContain("got number 42");
    expect(catchError(() => validateTopic(undefined)).message).toContain("got undefined");
    expect(catchError(() => validateTopic(null)).message).toContain("got null");
  });

  it("accepts patterns with `*` anywhere and `>` last", () => {
    for (const pattern of ["a", "*", ">", "a.*", "*.b", "a.*.c", "a.>", "*.>", "a.*.>"]) {
      expect(validatePattern(pattern)).toEqual(pattern.split("."));
      expect(isValidPattern(pattern)).toBe(true);
    }
  });

  it.each([
    ["", "it is empty"],
    ["a..b", "token 2 is empty"],
    ["a.>.b", '">" (token 2) must be the last token'],
    [">.a", '">" (token 1) must be the last token'],
    ["a.b*", "a wildcard must be a whole token"],
    ["a.*b", "a wildcard must be a whole token"],
    ["a.>>", "a wildcard must be a whole token"],
    ["a b", 'contains " "'],
  ])("refuses the pattern %j, saying %s", (pattern, why) => {
    const error = catchError(() => validatePattern(pattern));
    expect(error.code).toBe("INVALID_TOPIC");
    expect(error.message).toContain(`Invalid pattern ${JSON.stringify(pattern)}`);
    expect(error.message).toContain(why);
    expect(isValidPattern(pattern)).toBe(false);
  });
});

describe("topicMatches", () => {
  it.each([
    ["a.b", "a.b", true],
    ["a.b", "a.b.c", false],
    ["a.*", "a.b", true],
    ["a.*", "a", false],
    ["a.*", "a.b.c", false],
    ["*.b", "a.b", true],
    ["a.>", "a.b", true],
    ["a.>", "a.b.c.d", true],
    ["a.>", "a", false],
    [">", "a", true],
    [">", "a.b.c", true],
    ["a.*.>", "a.b", false],
    ["a.*.>", "a.b.c", true],
  ])("%s against %s is %s (NATS semantics)", (pattern, topic, expected) => {
    expect(topicMatches(pattern, topic)).toBe(expected);
    expect(referenceMatch(pattern, topic)).toBe(expected);
  });
});

const token = fc.constantFrom("a", "b", "c", "x-1");
const topicArb = fc.array(token, { minLength: 1, maxLength: 4 }).map((tokens) => tokens.join("."));
const patternArb = fc
  .tuple(fc.array(fc.oneof(token, fc.constant("*")), { minLength: 1, maxLength: 4 }), fc.boolean())
  .map(([tokens, tail]) => (tail ? [...tokens.slice(0, -1), ">"] : tokens).join("."));

describe("TopicTrie", () => {
  it("matches exactly the patterns the reference matcher matches, for random patterns and topics", () => {
    fc.assert(
      fc.property(fc.array(patternArb, { minLength: 1, maxLength: 25 }), fc.array(topicArb, { minLength: 1, maxLength: 10 }), (patterns, topics) => {
        const trie = new TopicTrie<number>();
        patterns.forEach((pattern, i) => trie.add(validatePattern(pattern), i));
        for (const topic of topics) {
          const got = trie.match(validateTopic(topic)).sort((a, b) => a - b);
          const expected = patterns.flatMap((pattern, i) => (referenceMatch(pattern, topic) ? [i] : []));
          expect(got).toEqual(expected);
          expect(patterns.map((pattern) => topicMatches(pattern, topic))).toEqual(patterns.map((pattern) => referenceMatch(pattern, topic)));
        }
      }),
      { numRuns: 300 },
    );
  });

  it("forgets removed patterns, prunes emptied branches and keeps the others", () => {
    fc.assert(
      fc.property(fc.array(patternArb, { minLength: 1, maxLength: 20 }), fc.array(fc.boolean(), { minLength: 20, maxLength: 20 }), topicArb, (patterns, removeMask, topic) => {
        const trie = new TopicTrie<number>();
        patterns.forEach((pattern, i) => trie.add(validatePattern(pattern), i));
        const kept: number[] = [];
        patterns.forEach((pattern, i) => {
          if (removeMask[i] === true) expect(trie.remove(validatePattern(pattern), i)).toBe(true);
          else kept.push(i);
        });
        expect(trie.size).toBe(kept.length);
        const expected = kept.filter((i) => referenceMatch(patterns[i] as string, topic));
        expect(trie.match(validateTopic(topic)).sort((a, b) => a - b)).toEqual(expected);
      }),
      { numRuns: 200 },
    );
  });

  it("returns false when removing a value that is not stored under that pattern", () => {
    const trie = new TopicTrie<string>();
    trie.add(["a", "*"], "x");
    expect(trie.remove(["a", "*"], "y")).toBe(false);
    expect(trie.remove(["a", "b"], "x")).toBe(false);
    expect(trie.remove(["a", ">"], "x")).toBe(false);
    expect(trie.remove(["a", "*"], "x")).toBe(true);
    expect(trie.size).toBe(0);
    expect(trie.match(["a", "b"])).toEqual([]);
  });

  it("finds the matching patterns among thousands of unrelated ones", () => {
    const trie = new TopicTrie<string>();
    for (let i = 0; i < 5_000; i++) trie.add(["other", `t${i}`, "z"], `other-${i}`);
    trie.add(["x", "*", "z"], "star");
    trie.add(["x", ">"], "tail");
    trie.add(["x", "y", "z"], "exact");
    expect(trie.match(["x", "y", "z"]).sort()).toEqual(["exact", "star", "tail"]);
    expect(trie.match(["other", "t42", "z"])).toEqual(["other-42"]);
  });
});
