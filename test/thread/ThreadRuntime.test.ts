import { MessageChannel, type MessagePort } from "node:worker_threads";
import { afterEach, describe, expect, test } from "vitest";
import type { FromThread, ToThread } from "../../src/thread/protocol.js";
import { ThreadRuntime } from "../../src/thread/ThreadRuntime.js";
import { FIXTURES, waitFor } from "./threadHarness.js";

const ports: MessagePort[] = [];
afterEach(() => {
  for (const port of ports.splice(0)) port.close();
});

/** A runtime on one end of a MessageChannel; the test is the main thread on the other. */
function runtime(exportName = "Echo", module = FIXTURES) {
  const { port1, port2 } = new MessageChannel();
  ports.push(port1, port2);
  const posts: FromThread[][] = [];
  port2.on("message", (frames: FromThread[]) => void posts.push(frames));
  const frames = (): FromThread[] => posts.flat();
  const send = (...sent: ToThread[]): void => port2.postMessage(sent);
  const thread = new ThreadRuntime(port1, { name: "echo", module, export: exportName, config: { prefix: "x" }, incarnation: 1 }, () => 1234);
  return { thread, posts, frames, send };
}

describe("ThreadRuntime (on a MessageChannel)", () => {
  test("builds the agent, reports its subscriptions (those of one turn in one post) and started", async () => {
    const { thread, posts, frames } = runtime();
    await thread.start();
    await waitFor(() => frames().some((frame) => frame.t === "started"));
    const subscribes = frames().filter((frame) => frame.t === "subscribe");
    expect(subscribes.map((frame) => frame.t === "subscribe" && frame.pattern)).toContain("echo.in");
    expect(subscribes.find((frame) => frame.t === "subscribe" && frame.pattern === "slow.*")).toMatchObject({ options: { concurrency: 2, maxPending: 10_000, overflow: "drop-oldest" } });
    expect(posts[0]).toHaveLength(subscribes.length);
  });

  test("answers a delivery of a request with the handler's reply, and a ping with its heap", async () => {
    const { thread, frames, send } = runtime();
    await thread.start();
    await waitFor(() => frames().some((frame) => frame.t === "started"));
    const sub = frames().find((frame) => frame.t === "subscribe" && frame.pattern === "svc.double");
    if (sub?.t !== "subscribe") throw new Error("no subscription");
    send({ t: "deliver", call: 7, sub: sub.sub, request: true, message: { id: "m1", topic: "svc.double", payload: 4, timestamp: 0 } }, { t: "ping", seq: 1 });
    await waitFor(() => frames().some((frame) => frame.t === "pong"));
    expect(frames()).toContainEqual({ t: "done", call: 7, ok: true, value: 8 });
    expect(frames()).toContainEqual({ t: "pong", seq: 1, heapUsed: 1234 });
  });

  test("subscribe checks the pattern and options at once, as the in-process bus does", async () => {
    const { thread, frames, send } = runtime("BadSubscribe");
    const starting = thread.start();
    const publish = await waitFor(() => frames().find((frame) => frame.t === "publish"));
    expect(publish).toMatchObject({ topic: "refusals", payload: [{ name: "BusError", code: "INVALID_TOPIC" }, { name: "BusError", code: "INVALID_OPTION" }] });
    expect(frames().some((frame) => frame.t === "subscribe")).toBe(false);
    if (publish.t === "publish") send({ t: "reply", call: publish.call, ok: true });
    await starting;
    await waitFor(() => frames().some((frame) => frame.t === "started"));
  });

  test("a stop that arrives while the module still loads is answered, and the agent is never built nor started", async () => {
    const { thread, frames, send } = runtime("Late", new URL("./fixtures/slowModule.ts", import.meta.url).href);
    // the stop reaches the runtime while start() is still importing the module (150 ms of top-level await)
    const starting = thread.start();
    send({ t: "stop", call: 3 });
    await waitFor(() => frames().some((frame) => frame.t === "done"));
    await starting;
    await new Promise((resolve) => setImmediate(resolve));
    expect(frames()).toContainEqual({ t: "done", call: 3, ok: true });
    // Echo subscribes in start(): no subscription and no started means no instance ran
    expect(frames().filter((frame) => frame.t === "subscribe" || frame.t === "started")).toEqual([]);
  });

  test("a start() that throws answers start-failed with the error", async () => {
    const { thread, frames } = runtime("BadStart");
    await thread.start();
    await waitFor(() => frames().some((frame) => frame.t === "start-failed"));
    expect(frames().find((frame) => frame.t === "start-failed")).toMatchObject({ error: { name: "RangeError", message: "cannot start here" } });
  });

  test("abort aborts the agent's signal; stop runs stop() and answers done", async () => {
    const { thread, frames, send } = runtime();
    await thread.start();
    await waitFor(() => frames().some((frame) => frame.t === "started"));
    send({ t: "abort", reason: { name: "AgentError", message: "stopping", code: "AGENT_FAILED", agent: "echo" } }, { t: "stop", call: 1 });
    await waitFor(() => frames().some((frame) => frame.t === "publish" && frame.topic === "echo.stopped"));
    const publish = frames().find((frame) => frame.t === "publish" && frame.topic === "echo.stopped");
    expect(publish).toMatchObject({ payload: true });
    if (publish?.t === "publish") send({ t: "reply", call: publish.call, ok: true });
    await waitFor(() => frames().some((frame) => frame.t === "done" && frame.call === 1));
  });
});
