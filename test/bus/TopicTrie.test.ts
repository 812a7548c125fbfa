import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TopicTrie } from "../../src/bus/TopicTrie.js";
import { topicMatches, validatePattern, validateTopic } from "../../src/bus/topic.js";

const token = fc.constantFrom("a", "b", "c");
const patternToken = fc.constantFrom("a", "b", "c", "*");
const pattern = fc
  .tuple(fc.array(patternToken, { minLength: 1, maxLength: 3 }), fc.boolean())
  .map(([tokens, tail]) => (tail ? [...tokens, ">"] : tokens).join("."));
const topics = ["a", "b", "a.b", "a.c", "b.a", "a.b.c", "c.c.c", "a.a.a.a", "b.c.a.b"];

describe("TopicTrie", () => {
  it("matches what topicMatches says across adds and removes, duplicates included", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), pattern, fc.integer({ min: 0, max: 3 })), { maxLength: 60 }), (ops) => {
        const trie = new TopicTrie<string>();
        const model: string[] = [];
        for (const [add, p, n] of ops) {
          const value = `${p}#${n}`;
          if (add) {
            trie.add(validatePattern(p), value);
            model.push(value);
          } else {
            const index = model.indexOf(value);
            expect(trie.remove(validatePattern(p), value)).toBe(index >= 0);
            if (index >= 0) model.splice(index, 1);
          }
          expect(trie.size).toBe(model.length);
        }
        for (const topic of topics) {
          const expected = model.filter((value) => topicMatches(value.split("#")[0] as string, topic)).sort();
          expect(trie.match(validateTopic(topic)).sort()).toEqual(expected);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("removes nothing for a value or a path that is not there", () => {
    const trie = new TopicTrie<number>();
    trie.add(validatePattern("a.b"), 1);
    expect(trie.remove(validatePattern("a.b"), 2)).toBe(false);
    expect(trie.remove(validatePattern("a.c"), 1)).toBe(false);
    expect(trie.remove(validatePattern("a.*"), 1)).toBe(false);
    expect(trie.remove(validatePattern("a.>"), 1)).toBe(false);
    expect(trie.size).toBe(1);
    expect(trie.remove(validatePattern("a.b"), 1)).toBe(true);
    expect(trie.match(validateTopic("a.b"))).toEqual([]);
    trie.add(validatePattern("a.b"), 3);
    expect(trie.match(validateTopic("a.b"))).toEqual([3]);
  });

  it("keeps its tokens arbitrary", () => {
    fc.assert(
      fc.property(fc.array(token, { minLength: 1, maxLength: 4 }), (tokens) => {
        const trie = new TopicTrie<number>();
        trie.add(tokens, 1);
        expect(trie.match(tokens)).toEqual([1]);
        expect(trie.remove(tokens, 1)).toBe(true);
        expect(trie.size).toBe(0);
      }),
    );
  });
});
