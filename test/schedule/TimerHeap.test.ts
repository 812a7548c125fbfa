import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TimerHeap, type HeapEntry } from "../../src/schedule/TimerHeap.js";

interface Entry extends HeapEntry {
  readonly id: number;
}

describe("TimerHeap", () => {
  it("always yields the earliest entry through any mix of push, remove and re-key", () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant("push" as const), at: fc.integer({ min: 0, max: 1_000 }) }),
      fc.record({ kind: fc.constant("remove" as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant("update" as const), pick: fc.nat(), at: fc.integer({ min: 0, max: 1_000 }) }),
      fc.record({ kind: fc.constant("pop" as const) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const heap = new TimerHeap<Entry>();
        const live: Entry[] = [];
        let id = 0;
        for (const o of ops) {
          if (o.kind === "push") {
            const entry = { id: id++, at: o.at, heapIndex: -1 };
            heap.push(entry);
            live.push(entry);
          } else if (o.kind === "remove" && live.length > 0) {
            const [entry] = live.splice(o.pick % live.length, 1) as [Entry];
            heap.remove(entry);
            heap.remove(entry);
            expect(entry.heapIndex).toBe(-1);
          } else if (o.kind === "update" && live.length > 0) {
            const entry = live[o.pick % live.length] as Entry;
            entry.at = o.at;
            heap.update(entry);
          } else if (o.kind === "pop" && live.length > 0) {
            const top = heap.peek() as Entry;
            expect(top.at).toBe(Math.min(...live.map((e) => e.at)));
            heap.remove(top);
            live.splice(live.indexOf(top), 1);
          }
          expect(heap.size).toBe(live.length);
          expect(heap.peek()?.at).toBe(live.length === 0 ? undefined : Math.min(...live.map((e) => e.at)));
        }
        heap.clear();
        expect(heap.size).toBe(0);
        for (const entry of live) expect(entry.heapIndex).toBe(-1);
      }),
      { numRuns: 200 },
    );
  });
});
