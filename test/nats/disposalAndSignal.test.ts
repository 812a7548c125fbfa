import { connect } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { createNatsBus } from "../../src/nats/createNatsBus.js";
import { ReplyInbox } from "../../src/nats/ReplyInbox.js";
import { ManualClock } from "../../src/testing/ManualClock.js";
import { uniqueToken } from "../helpers/nats/natsServer.js";
import { natsSuite } from "../helpers/nats/natsSuite.js";

const suite = natsSuite();

describe("NatsBus: disposal", () => {
  it("[Symbol.asyncDispose]() closes the bus and its own connection, idempotent with close()", async () => {
    const bus = await createNatsBus({ servers: suite.url }, { prefix: uniqueToken("dispose") });
    suite.cleanups.push(() => bus.close());
    const got: unknown[] = [];
    bus.subscribe("a", (message) => void got.push(message.payload));
    await bus.publish("a", 1);
    const disposing = bus[Symbol.asyncDispose]();
    expect(bus.close()).toBe(disposing);
    await disposing;
    expect(got).toEqual([1]);
    expect(bus.natsConnection.isClosed()).toBe(true);
    await expect(bus.publish("a", 2)).rejects.toMatchObject({ code: "BUS_CLOSED" });
  });

  it("a subscription's [Symbol.dispose]() stops delivery at once and removes the NATS subscription", async () => {
    const bus = await createNatsBus({ servers: suite.url }, { prefix: uniqueToken("dispose") });
    suite.cleanups.push(() => bus.close());
    const got: unknown[] = [];
    {
      using sub = bus.subscribe("a", (message) => void got.push(message.payload));
      await bus.publish("a", 1);
      await bus.flush();
      expect(sub.active).toBe(true);
    }
    await bus.publish("a", 2);
    await bus.flush();
    expect(got).toEqual([1]);
    // nothing else listens on the subject now: the server says so to a request
    await expect(bus.request("a", 3, { timeoutMs: 2_000 })).rejects.toMatchObject({ code: "NO_RESPONDERS" });
  });
});

describe("NatsBus: request with a signal", () => {
  it("rejects at once with REQUEST_ABORTED and drops the reply that comes after", async () => {
    const bus = await createNatsBus({ servers: suite.url }, { prefix: uniqueToken("abort") });
    suite.cleanups.push(() => bus.close());
    let release!: () => void;
    let started = false;
    bus.subscribe("slow", async () => {
      started = true;
      await new Promise<void>((resolve) => (release = resolve));
      return "late";
    });
    const controller = new AbortController();
    const request = bus.request("slow", 1, { timeoutMs: 60_000, signal: controller.signal });
    await expect.poll(() => started).toBe(true);
    controller.abort(new Error("enough"));
    await expect(request).rejects.toMatchObject({ code: "REQUEST_ABORTED", cause: new Error("enough") });
    release();
    await bus.flush();
    // the bus goes on answering
    bus.subscribe("echo", (message) => message.payload);
    expect(await bus.request("echo", 5, { signal: new AbortController().signal })).toBe(5);
  });

  it("a signal aborted already sends nothing", async () => {
    const bus = await createNatsBus({ servers: suite.url }, { prefix: uniqueToken("abort") });
    suite.cleanups.push(() => bus.close());
    const before = bus.natsConnection.stats().outMsgs;
    await expect(bus.request("anything", 1, { signal: AbortSignal.abort("no") })).rejects.toMatchObject({ code: "REQUEST_ABORTED", cause: "no" });
    expect(bus.natsConnection.stats().outMsgs).toBe(before);
  });

  it("the reply inbox forgets an aborted request at once, and a reply to it finds nothing waiting", async () => {
    const connection = await connect({ servers: suite.url });
    suite.cleanups.push(() => connection.close());
    const clock = new ManualClock();
    const inbox = new ReplyInbox({ connection, clock, graceMs: 50, inboxPrefix: "_INBOX", decode: (bytes) => new TextDecoder().decode(bytes) });
    suite.cleanups.push(async () => inbox.close());
    const controller = new AbortController();
    const { reply, result } = inbox.open("q", 60_000, controller.signal);
    expect(inbox.size).toBe(1);
    expect(clock.pending).toBe(1);
    controller.abort("stop");
    await expect(result).rejects.toMatchObject({ code: "REQUEST_ABORTED", cause: "stop" });
    expect(inbox.size).toBe(0);
    expect(clock.pending).toBe(0);
    connection.publish(reply, "late");
    await connection.flush();
    expect(inbox.size).toBe(0);
  });
});
