import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RingQueue } from "../../../src/bus/delivery/RingQueue.js";

describe("RingQueue", () => {
  it("behaves as an array used as a FIFO, across growth and wrap-around", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer({ min: 0, max: 1_000 }), fc.constant("shift" as const), fc.constant("drain" as const)), { maxLength: 400 }), (ops) => {
        const queue = new RingQueue<number>();
        const model: number[] = [];
        for (const op of ops) {
          if (op === "shift") expect(queue.shift()).toBe(model.shift());
          else if (op === "drain") expect(queue.drain()).toEqual(model.splice(0));
          else {
            queue.push(op);
            model.push(op);
          }
          expect(queue.length).toBe(model.length);
        }
        expect(queue.drain()).toEqual(model);
      }),
      { numRuns: 300 },
    );
  });

  it("returns undefined when shifting an empty queue", () => {
    const queue = new RingQueue<string>();
    expect(queue.shift()).toBeUndefined();
    queue.push("a");
    expect(queue.shift()).toBe("a");
    expect(queue.shift()).toBeUndefined();
    expect(queue.length).toBe(0);
  });

  it("keeps order across a drain that gives up its buffer and a regrowth", () => {
    const queue = new RingQueue<number>();
    expect(queue.drain()).toEqual([]);
    for (let i = 0; i < 5; i++) queue.push(i);
    expect(queue.shift()).toBe(0);
    expect(queue.drain()).toEqual([1, 2, 3, 4]);
    for (let i = 0; i < 40; i++) queue.push(i);
    for (let i = 0; i < 40; i++) expect(queue.shift()).toBe(i);
    expect(queue.length).toBe(0);
  });
});
