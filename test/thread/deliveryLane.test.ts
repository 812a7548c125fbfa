import { describe, expect, test } from "vitest";
import { createBus } from "../../src/bus/createBus.js";
import { DeliveryLane } from "../../src/thread/DeliveryLane.js";
import { FrameBatcher, SEAL } from "../../src/thread/FrameBatcher.js";
import { PendingCalls } from "../../src/thread/PendingCalls.js";
import type { ToThread, WireMessages, WireOneMessage } from "../../src/thread/protocol.js";
import { toWireError } from "../../src/thread/wireError.js";

/** A lane on a bus subscription with `concurrency` (its window), over a port that records what it sends. */
function lane(concurrency: number, post?: (frames: ToThread[]) => void) {
  const errors: unknown[] = [];
  const bus = createBus({ onError: (error) => void errors.push(error) });
  const calls = new PendingCalls();
  const posts: ToThread[][] = [];
  const out = new FrameBatcher<ToThread>(
    (frames) => {
      post?.(frames);
      posts.push(frames);
    },
    (frame) => void posts.push([{ t: "ping", seq: -1 }, frame]),
  );
  const delivery = new DeliveryLane(1, { send: (frame) => out.send(frame), calls });
  bus.subscribe("t.*", delivery.handler, { concurrency });
  const report = (value: unknown): void => calls.resolve(channelOf(posts), value);
  return { bus, calls, posts, delivery, report, errors };
}

function channelOf(posts: ToThread[][]): number {
  for (const frame of posts.flat()) if (frame.t === "messages" || frame.t === "message") return frame.channel;
  throw new Error("nothing sent");
}

const settled = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe("DeliveryLane (the main thread's side of a thread agent's subscription)", () => {
  test("the messages of a turn cross as one frame of columns, at most the bus's concurrency in flight; flush() waits for the acknowledgements", async () => {
    const { bus, posts, report, delivery } = lane(4);
    for (let i = 0; i < 10; i++) void bus.publish(i === 2 ? "t.other" : "t.x", { i });
    let flushed = false;
    void bus.flush().then(() => (flushed = true));
    await settled();
    expect(posts).toHaveLength(1);
    const first = posts[0]?.[0] as WireMessages;
    expect(first).toMatchObject({ t: "messages", sub: 1, first: 1, topics: ["t.x", "t.x", "t.other", "t.x"], payloads: [{ i: 0 }, { i: 1 }, { i: 2 }, { i: 3 }] });
    expect(first.ids).toHaveLength(4);
    expect(first).not.toHaveProperty("requests");
    expect(first).not.toHaveProperty("sources");
    expect(delivery.inFlight).toBe(4);
    report(2);
    await settled();
    expect(posts[1]?.[0]).toMatchObject({ t: "messages", first: 5, topics: "t.x", payloads: [{ i: 4 }, { i: 5 }] });
    report(6);
    await settled();
    expect(posts[2]?.[0]).toMatchObject({ t: "messages", first: 7, payloads: [{ i: 6 }, { i: 7 }, { i: 8 }, { i: 9 }] });
    report(8);
    await settled();
    expect(flushed).toBe(false);
    report(10);
    await settled();
    expect(flushed).toBe(true);
    expect(delivery.inFlight).toBe(0);
  });

  test("a request's reply and a handler's failure are reported per message, before the acknowledgement covering them", async () => {
    const { bus, posts, report, errors } = lane(8);
    const asked = bus.request("t.ask", 21, { timeoutMs: 1_000 });
    void bus.publish("t.fails", null);
    void bus.publish("t.fine", null);
    await settled();
    const frame = posts[0]?.[0] as WireMessages;
    expect(frame.requests).toEqual([0]);
    report([1, 42]);
    report([-2, toWireError(new TypeError("handler threw")), 3]);
    await expect(asked).resolves.toBe(42);
    await settled();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ name: "TypeError", message: "handler threw" });
    await bus.flush();
  });

  test("a single message goes flat; messages that reached no subscription in the thread count as handled", async () => {
    const { bus, posts, report } = lane(8);
    void bus.publish("t.x", 1, { headers: { h: "v" } });
    await settled();
    const frame = posts[0]?.[0] as WireOneMessage;
    expect(frame).toMatchObject({ t: "message", seq: 1, topic: "t.x", payload: 1, headers: { h: "v" }, request: false });
    report({ first: 1, count: 1 });
    await bus.flush();
  });

  test("when the port closes, every message in flight fails with its error", async () => {
    const { bus, calls, errors } = lane(8);
    void bus.publish("t.x", 1);
    void bus.publish("t.x", 2);
    await settled();
    calls.close(new Error("thread gone"));
    await bus.flush();
    expect(errors.map((error) => (error as Error).message)).toEqual(["thread gone", "thread gone"]);
  });

  test("a frame that cannot be posted whole splits into one deliver call per message, each settling its message", async () => {
    const { bus, posts, calls } = lane(8, (frames) => {
      if (frames.some((frame) => frame.t === "messages")) throw new Error("DataCloneError");
    });
    void bus.publish("t.x", 1);
    void bus.publish("t.x", 2);
    await settled();
    const delivers = posts.flat().filter((frame) => frame.t === "deliver");
    expect(delivers.map((frame) => frame.t === "deliver" && frame.message.payload)).toEqual([1, 2]);
    let flushed = false;
    void bus.flush().then(() => (flushed = true));
    for (const frame of delivers) if (frame.t === "deliver") calls.resolve(frame.call, undefined);
    await settled();
    expect(flushed).toBe(true);
  });
});

describe("FrameBatcher hooks", () => {
  test("a frame with SEAL is told when it is posted and may give the frame to post in its place", async () => {
    const posts: unknown[][] = [];
    const out = new FrameBatcher<unknown>((frames) => void posts.push(frames), () => undefined);
    let sealed = 0;
    out.send("a");
    out.send({ [SEAL]: () => (sealed++, "replaced") });
    out.send({ [SEAL]: () => void sealed++, keep: true });
    await Promise.resolve();
    expect(sealed).toBe(2);
    expect(posts).toHaveLength(1);
    expect(posts[0]?.slice(0, 2)).toEqual(["a", "replaced"]);
    expect(posts[0]?.[2]).toMatchObject({ keep: true });
  });
});
