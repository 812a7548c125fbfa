import assert from "node:assert/strict";
import type { Bus } from "../../bus/Bus.js";
import type { CaseBodies } from "./cases.js";

/** Topic matching: exact patterns, `*` and `>`. */
export const WILDCARD_CASES: CaseBodies<"exactTopicMatch" | "singleWildcard" | "tailWildcard"> = {
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
};

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
