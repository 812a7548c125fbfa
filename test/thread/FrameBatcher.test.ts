import { describe, expect, test } from "vitest";
import { FrameBatcher } from "../../src/thread/FrameBatcher.js";

describe("FrameBatcher", () => {
  test("the frames of one turn go in one post, in order; the next turn's in another", async () => {
    const posts: number[][] = [];
    const out = new FrameBatcher<number>((frames) => void posts.push(frames), () => undefined);
    out.send(1);
    out.send(2);
    out.send(3);
    expect(posts).toEqual([]);
    await Promise.resolve();
    out.send(4);
    await Promise.resolve();
    expect(posts).toEqual([[1, 2, 3], [4]]);
  });

  test("a frame that cannot be posted is handed back; the others of its batch are posted one by one", async () => {
    const posts: unknown[][] = [];
    const refused: unknown[] = [];
    const out = new FrameBatcher<unknown>(
      (frames) => {
        structuredClone(frames);
        posts.push(frames);
      },
      (frame) => void refused.push(frame),
    );
    const bad = { f: () => 1 };
    out.send("a");
    out.send(bad);
    out.send("b");
    await Promise.resolve();
    expect(posts).toEqual([["a"], ["b"]]);
    expect(refused).toEqual([bad]);
  });

  test("nothing is posted once closed", async () => {
    const posts: number[][] = [];
    const out = new FrameBatcher<number>((frames) => void posts.push(frames), () => undefined);
    out.send(1);
    out.close();
    out.send(2);
    await Promise.resolve();
    expect(posts).toEqual([]);
  });
});
