import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TopicTrie } from "../../src/bus/TopicTrie.js";
import { checkTopicLength, isValidPattern, isValidTopic, MAX_TOPIC_LENGTH, topicMatches, validatePattern, validateTopic } from "../../src/bus/topic.js";
import { BusError } from "../../src/errors/BusError.js";
import { checkTopicLength as packageCheckTopicLength, MAX_TOPIC_LENGTH as PACKAGE_MAX_TOPIC_LENGTH } from "../../src/index.js";
import { thrownBy } from "../helpers/thrown.js";

/** The obvious matcher, written independently of the trie: a pattern compiled to a regular expression. */
function referenceMatch(pattern: string, topic: string): boolean {
  const source = pattern
    .split(".")
    .map((token) => (token === "*" ? "[^.]+" : token === ">" ? "[^.]+(?:\\.[^.]+)*" : token.replace(/[-]/g, "\\-")))
    .join("\\.");
  return new RegExp(`^${source}$`).test(topic);
}

const catchError = (fn: () => unknown): BusError => thrownBy(BusError, fn);

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
    expect(catchError(() => validateTopic(42)).message).toContain("got 42");
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

describe("topic length limit", () => {
  const topicOf = (length: number): string => `prices.${"A".repeat(length - "prices.".length)}`;
  const patternOf = (length: number): string => `prices.*.${"A".repeat(length - "prices.*.".length)}`;

  it("is 1,024 characters, exported from the package", () => {
    expect(MAX_TOPIC_LENGTH).toBe(1024);
    expect(PACKAGE_MAX_TOPIC_LENGTH).toBe(MAX_TOPIC_LENGTH);
    expect(packageCheckTopicLength).toBe(checkTopicLength);
  });

  it("accepts a topic and a pattern of exactly MAX_TOPIC_LENGTH characters", () => {
    expect(validateTopic(topicOf(MAX_TOPIC_LENGTH))).toHaveLength(2);
    expect(validatePattern(patternOf(MAX_TOPIC_LENGTH))).toHaveLength(3);
    expect(isValidTopic(topicOf(MAX_TOPIC_LENGTH))).toBe(true);
    expect(isValidPattern(patternOf(MAX_TOPIC_LENGTH))).toBe(true);
    expect(topicMatches(patternOf(MAX_TOPIC_LENGTH), topicOf(MAX_TOPIC_LENGTH))).toBe(false);
  });

  it("refuses one character more with INVALID_TOPIC, quoting the start of it and naming its length and the limit", () => {
    const topic = topicOf(MAX_TOPIC_LENGTH + 1);
    const error = catchError(() => validateTopic(topic));
    expect(error.code).toBe("INVALID_TOPIC");
    expect(error.topic).toBe(topic);
    expect(error.message).toBe(
      `Invalid topic ${JSON.stringify(topic.slice(0, 40))}…: it is too long (1025 characters); the limit is 1024 characters on every Bus, any prefix the bus adds included`,
    );
    expect(isValidTopic(topic)).toBe(false);

    const pattern = patternOf(MAX_TOPIC_LENGTH + 1);
    expect(catchError(() => validatePattern(pattern)).message).toBe(
      `Invalid pattern ${JSON.stringify(pattern.slice(0, 40))}…: it is too long (1025 characters); the limit is 1024 characters on every Bus, any prefix the bus adds included`,
    );
    expect(isValidPattern(pattern)).toBe(false);
    expect(() => topicMatches(pattern, "prices.x")).toThrow(/Invalid pattern .*too long/);
    expect(() => topicMatches(">", topic)).toThrow(/Invalid topic .*too long/);
  });

  it("checks the length before anything else, so a huge string is refused at once for its length", () => {
    const huge = "é".repeat(5_000_000);
    const started = performance.now();
    expect(catchError(() => validateTopic(huge)).message).toContain("it is too long (5000000 characters)");
    expect(catchError(() => validatePattern(huge)).message).toContain("it is too long (5000000 characters)");
    expect(performance.now() - started).toBeLessThan(50);
  });

  describe("checkTopicLength, for a bus that adds a prefix", () => {
    it("accepts a value that fits with the prefix, up to MAX_TOPIC_LENGTH characters in all", () => {
      expect(() => checkTopicLength(topicOf(MAX_TOPIC_LENGTH - 8), "topic", 8)).not.toThrow();
      expect(() => checkTopicLength(topicOf(MAX_TOPIC_LENGTH), "topic", 0)).not.toThrow();
      expect(() => checkTopicLength("a", "pattern", MAX_TOPIC_LENGTH - 1)).not.toThrow();
    });

    it("refuses one character more, naming both lengths and the limit", () => {
      const topic = topicOf(MAX_TOPIC_LENGTH - 7);
      const error = catchError(() => checkTopicLength(topic, "topic", 8));
      expect(error.code).toBe("INVALID_TOPIC");
      expect(error.topic).toBe(topic);
      expect(error.message).toBe(
        `Invalid topic ${JSON.stringify(topic.slice(0, 40))}…: it is too long (1017 characters, 1025 with the 8 characters of the bus's prefix); the limit is 1024 characters on every Bus, any prefix the bus adds included`,
      );
      expect(catchError(() => checkTopicLength(topicOf(MAX_TOPIC_LENGTH + 1), "pattern", 0)).message).toContain(
        "Invalid pattern \"prices.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"…: it is too long (1025 characters); the limit is 1024",
      );
    });

    it("quotes a short value whole, without an ellipsis", () => {
      expect(catchError(() => checkTopicLength("orders.new", "topic", 1020)).message).toBe(
        `Invalid topic "orders.new": it is too long (10 characters, 1030 with the 1020 characters of the bus's prefix); the limit is 1024 characters on every Bus, any prefix the bus adds included`,
      );
    });

    it("throws a BusError INVALID_OPTION for a negative or non-numeric prefix length, instead of letting the value through", () => {
      const invalidOption = expect.objectContaining({ name: "BusError", code: "INVALID_OPTION" });
      for (const prefixLength of [Number.NaN, -1, Number.POSITIVE_INFINITY]) {
        expect(() => checkTopicLength("a.b", "topic", prefixLength)).toThrow(invalidOption);
        expect(() => checkTopicLength(topicOf(MAX_TOPIC_LENGTH + 1), "topic", prefixLength)).toThrow(invalidOption);
      }
      expect(() => checkTopicLength(topicOf(MAX_TOPIC_LENGTH), "topic", 1.5)).toThrow(invalidOption);
      expect(() => checkTopicLength("a.b", "topic", Number.NaN)).toThrow(/expected `prefixLength` to be a non-negative integer, got NaN/);
    });
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
