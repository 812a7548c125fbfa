import { describe, expect, test } from "vitest";
import type { Message } from "../../src/bus/Bus.js";
import { FrameBatcher } from "../../src/thread/FrameBatcher.js";
import type { FromThread, WireMessages } from "../../src/thread/protocol.js";
import { ACK_CHUNK, ThreadSubscription } from "../../src/thread/ThreadSubscription.js";

const CHANNEL = 9;

/** A subscription whose reports are posted (per turn, as in a thread) to `posts`, values only. */
function subscription(handler: (message: Message) => unknown, concurrency = 1) {
  const posts: unknown[][] = [];
  const out = new FrameBatcher<FromThread>((frames) => void posts.push(structuredClone(frames).map((frame) => (frame.t === "done" && frame.ok && frame.call === CHANNEL ? frame.value : frame))), () => undefined);
  const sub = new ThreadSubscription(1, handler, undefined, concurrency, { agent: "a", send: (frame) => out.send(frame), ended: () => undefined, flush: out.flush });
  return { sub, posts };
}

function messages(first: number, payloads: unknown[], requests?: number[]): WireMessages {
  return { t: "messages", sub: 1, channel: CHANNEL, first, ids: payloads.map((_, i) => `m${first + i}`), topics: "t", payloads, timestamps: payloads.map(() => 0), ...(requests === undefined ? {} : { requests }) };
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe("ThreadSubscription reports on its channel", () => {
  test("the messages of a turn are acknowledged by one number; a reply and a failure are reported first", async () => {
    const seen: unknown[] = [];
    const { sub, posts } = subscription((message) => {
      seen.push(message);
      if (message.payload === "boom") throw new TypeError("handler threw");
      return message.payload === "ask" ? 42 : "ignored: not a request";
    });
    sub.deliverMessages(messages(1, [1, "ask", 3, "boom", 5], [1]));
    await turn();
    expect(seen[0]).toEqual({ id: "m1", topic: "t", payload: 1, timestamp: 0 });
    expect(posts).toEqual([[1, [2, 42, 3], [-4, expect.objectContaining({ name: "TypeError", message: "handler threw" }), 5]]]);
  });

  test("with concurrency above 1, the acknowledgement only passes what is handled without a gap", async () => {
    const pending = new Map<unknown, () => void>();
    const { sub, posts } = subscription((message) => new Promise<void>((resolve) => pending.set(message.payload, resolve)), 3);
    sub.deliverMessages(messages(1, ["a", "b", "c", "d"]));
    await turn();
    pending.get("b")?.();
    await turn();
    expect(posts).toEqual([]);
    pending.get("a")?.();
    await turn();
    expect(posts).toEqual([[2]]);
    pending.get("d")?.();
    await turn();
    pending.get("c")?.();
    await turn();
    expect(posts).toEqual([[2], [4]]);
  });

  test("a large frame posts its acknowledgements every ACK_CHUNK messages, while the rest runs", () => {
    const { sub, posts } = subscription(() => undefined);
    sub.deliverMessages(messages(1, Array.from({ length: ACK_CHUNK * 2 + 5 }, (_, i) => i)));
    expect(posts).toEqual([[ACK_CHUNK], [ACK_CHUNK * 2]]);
  });

  test("messages for an ended subscription count as handled ({ first, count })", async () => {
    const { sub, posts } = subscription(() => undefined);
    sub.unsubscribe();
    sub.deliverMessages(messages(4, [1, 2]));
    await turn();
    expect(posts.flat()).toContainEqual({ first: 4, count: 2 });
  });
});
