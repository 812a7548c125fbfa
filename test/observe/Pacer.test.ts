import { afterEach, describe, expect, it } from "vitest";
import { Pacer } from "../../src/observe/Pacer.js";
import { loopTurns } from "../helpers/loopTurns.js";


let turns: ReturnType<typeof loopTurns> | undefined;
afterEach(() => {
  turns?.stop();
  turns = undefined;
});

/** Ask for a turn for each size in one synchronous stretch; resolves with the loop turn each piece ran in. */
async function pass(pacer: Pacer, sizes: readonly number[]): Promise<number[]> {
  const counter = turns ?? loopTurns();
  turns = counter;
  return Promise.all(sizes.map((size) => pacer.turn(size).then(() => counter.now())));
}

describe("Pacer", () => {
  it("releases work that fits one slice at once, without waiting for a macrotask", async () => {
    const pacer = new Pacer(10);
    turns = loopTurns();
    const ran = await pass(pacer, [3, 3, 4]);
    expect(ran).toEqual([0, 0, 0]);
  });

  it("releases a larger pass in order, one slice of at most `slice` units per macrotask", async () => {
    const pacer = new Pacer(10);
    const ran = await pass(pacer, [4, 4, 4, 6, 1]);
    // [4, 4] at once, [4, 6] one turn later, [1] another turn later
    expect(ran[0]).toBe(0);
    expect(ran[1]).toBe(0);
    expect(ran[2]).toBeGreaterThan(ran[1] ?? 0);
    expect(ran[3]).toBe(ran[2]);
    expect(ran[4]).toBeGreaterThan(ran[3] ?? 0);
  });

  it("gives a piece larger than a slice a macrotask of its own", async () => {
    const pacer = new Pacer(10);
    const ran = await pass(pacer, [25, 25, 25]);
    expect(ran[0]).toBe(0);
    expect(ran[1]).toBeGreaterThan(ran[0] ?? 0);
    expect(ran[2]).toBeGreaterThan(ran[1] ?? 0);
  });

  it("queues a pass that starts while an earlier one is still being released behind it", async () => {
    const pacer = new Pacer(10);
    const order: string[] = [];
    const first = ["a1", "a2", "a3"].map((name) => pacer.turn(10).then(() => void order.push(name)));
    // a second pass, asked for in a later task while the first still waits for its macrotasks
    await new Promise<void>((resolve) => setImmediate(resolve));
    const second = ["b1", "b2"].map((name) => pacer.turn(10).then(() => void order.push(name)));
    await Promise.all([...first, ...second]);
    expect(order).toEqual(["a1", "a2", "a3", "b1", "b2"]);
  });

  it("starts the next pass at once when the previous one has been released", async () => {
    const pacer = new Pacer(10);
    await pass(pacer, [10, 10]);
    turns?.stop();
    turns = undefined;
    expect(await pass(pacer, [5])).toEqual([0]);
  });
});
