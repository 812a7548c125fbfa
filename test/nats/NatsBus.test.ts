import { connect, headers as natsHeaders } from "@nats-io/transport-node";
import type { Msg, NatsConnection } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import type { DropReason, Message } from "../../src/bus/Bus.js";
import { MAX_TOPIC_LENGTH } from "../../src/bus/topic.js";
import { BusError } from "../../src/errors/BusError.js";
import { createNatsBus } from "../../src/nats/createNatsBus.js";
import type { NatsBus } from "../../src/nats/NatsBus.js";
import type { NatsBusOptions } from "../../src/nats/NatsBusOptions.js";
import { NatsError } from "../../src/nats/NatsError.js";
import type { PayloadCodec } from "../../src/wire/PayloadCodec.js";
import { readWire } from "../../src/nats/wireHeaders.js";
import { ManualClock } from "../../src/testing/ManualClock.js";
import { freePort, uniqueToken } from "../helpers/nats/natsServer.js";
import { natsSuite } from "../helpers/nats/natsSuite.js";
import { eventually, withTimeout } from "../helpers/nats/processes.js";

const suite = natsSuite();
const { cleanups } = suite;

/** Two buses on two connections, sharing a fresh subject prefix: a publisher's and a subscriber's process, as far as NATS can tell. */
async function pair(options: NatsBusOptions = {}, other: NatsBusOptions = options): Promise<[NatsBus, NatsBus, string]> {
  const prefix = uniqueToken("bus");
  const a = await createNatsBus({ servers: suite.url }, { prefix, ...options });
  const b = await createNatsBus({ servers: suite.url }, { prefix, ...other });
  cleanups.push(() => a.close(), () => b.close());
  return [a, b, prefix];
}

async function rawConnection(): Promise<NatsConnection> {
  const connection = await connect({ servers: suite.url });
  cleanups.push(() => connection.close());
  return connection;
}

function hasCode(code: string): (error: unknown) => boolean {
  return (error) => typeof error === "object" && error !== null && (error as { code?: unknown }).code === code;
}

describe("createNatsBus", () => {
  it("refuses a malformed target or option before connecting, naming it", async () => {
    const connection = await rawConnection();
    await expect(createNatsBus({ servers: suite.url, connection })).rejects.toThrow(/exactly one of `servers`.*got both/);
    await expect(createNatsBus({} as never)).rejects.toThrow(/exactly one of `servers`.*got neither/);
    await expect(createNatsBus({ servers: [] })).rejects.toThrow(/expected `servers` to be a server URL/);
    await expect(createNatsBus({ connection: { publish: 1 } as never })).rejects.toThrow(/expected `connection` to be a NatsConnection/);
    await expect(createNatsBus({ servers: suite.url }, { prefix: "a..b" })).rejects.toThrow(/expected `prefix` to be dot-separated tokens.*"a\.\.b"/);
    await expect(createNatsBus({ servers: suite.url }, { prefix: "a.*" })).rejects.toSatisfy(hasCode("INVALID_OPTION"));
    await expect(createNatsBus({ servers: suite.url }, { codec: { encode: () => new Uint8Array() } as never })).rejects.toThrow(/expected `codec` to be an object with encode\(payload\) and decode\(bytes\)/);
    await expect(createNatsBus({ servers: suite.url }, { noReplyGraceMs: -1 })).rejects.toThrow(/expected `noReplyGraceMs` to be a non-negative number.*-1/);
    await expect(createNatsBus({ servers: suite.url }, { requireConnection: "yes" as never })).rejects.toThrow(/expected `requireConnection` to be a boolean/);
    await expect(createNatsBus({ servers: suite.url }, { clock: {} as never })).rejects.toThrow(/expected `clock` to be a Clock/);
    await expect(createNatsBus({ servers: suite.url }, { wire: "json" as never })).rejects.toThrow(/expected `wire` to be "envelope" or "headers", got "json"/);
  });

  it("rejects with CONNECT_FAILED when no server answers", async () => {
    const port = await freePort();
    const attempt = createNatsBus({ servers: `nats://127.0.0.1:${port}` });
    await expect(attempt).rejects.toSatisfy((error: unknown) => error instanceof NatsError && error.code === "CONNECT_FAILED" && error.message.includes(String(port)));
  });

  it("owns a connection it opened: close() closes it; a connection passed in stays open", async () => {
    const owned = await createNatsBus({ servers: suite.url });
    await owned.close();
    expect(owned.natsConnection.isClosed()).toBe(true);

    const connection = await rawConnection();
    const prefix = uniqueToken("owner");
    const shared = await createNatsBus({ connection }, { prefix });
    const got: unknown[] = [];
    const subscription = shared.subscribe("x", (message) => void got.push(message.payload));
    await shared.publish("x", 1);
    await shared.flush();
    expect(subscription.active).toBe(true);
    await shared.close();
    expect(subscription.active).toBe(false);
    expect(connection.isClosed()).toBe(false);
    // its subscriptions are gone from the server: a raw publish reaches nobody
    connection.publish(`${prefix}.x`, JSON.stringify(2));
    await connection.flush();
    expect(got).toEqual([1]);
    await expect(shared.publish("x", 3)).rejects.toSatisfy(hasCode("BUS_CLOSED"));
    expect(() => shared.subscribe("x", () => undefined)).toThrow(BusError);
  });
});

describe("NatsBus payloads", () => {
  it("rejects a payload JSON cannot carry with PAYLOAD_INVALID naming the topic and the value, and sends nothing", async () => {
    const [a, b] = await pair();
    const got: unknown[] = [];
    b.subscribe("orders.>", (message) => void got.push(message.payload));
    await b.flush();
    const cyclic: Record<string, unknown> = { id: 1 };
    cyclic["self"] = cyclic;
    const cases: Array<[unknown, RegExp]> = [
      [10n, /BigInt/],
      [{ qty: 5n }, /property "qty" is a BigInt/],
      [cyclic, /circular/i],
      [{ onFill: () => undefined }, /property "onFill" is a function/],
      [[1, () => undefined], /element 1 is a function/],
      [{ px: Number.NaN }, /property "px" is NaN/],
      [{ tag: Symbol("x") }, /property "tag" is a symbol/],
      [() => undefined, /the payload is a function/],
    ];
    for (const [payload, why] of cases) {
      const error = await a.publish("orders.new", payload).then(
        () => undefined,
        (reason: unknown) => reason,
      );
      expect(error).toBeInstanceOf(BusError);
      expect((error as BusError).code).toBe("PAYLOAD_INVALID");
      expect((error as BusError).message).toContain('"orders.new"');
      expect((error as BusError).message).toMatch(why);
    }
    await expect(a.request("orders.quote", { bad: 1n })).rejects.toSatisfy(hasCode("PAYLOAD_INVALID"));
    // what JSON carries faithfully passes, and nothing of the refused ones arrived
    await a.publish("orders.new", { qty: 5, note: undefined, at: new Date(0), list: [1, "two", null, { deep: [true] }] });
    await a.publish("orders.none", undefined);
    await a.flush();
    await eventually(() => got.length === 2, 3_000, "the two valid messages");
    expect(got).toEqual([{ qty: 5, at: "1970-01-01T00:00:00.000Z", list: [1, "two", null, { deep: [true] }] }, undefined]);
  });

  it("carries id, timestamp (the publisher's clock), source, headers and payload in one envelope, without NATS headers", async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 5, 9, 30));
    const [a, b, prefix] = await pair({ clock }, {});
    const got: Message[] = [];
    b.subscribe("fills.*", (message) => void got.push(message));
    const raw = await rawConnection();
    const rawGot: Msg[] = [];
    raw.subscribe(`${prefix}.fills.*`, { callback: (_error, msg) => void rawGot.push(msg) });
    await raw.flush();
    await b.flush();
    await a.publish("fills.AAPL", { qty: 1 }, { source: "strategy", headers: { "trace-id": "t-1", "x-Mixed_Case": " v a l ", "x-Name": "Zoë 🙂" } });
    await a.publish("fills.MSFT", { qty: 2 });
    await a.publish("fills.NONE", undefined);
    await eventually(() => got.length === 3 && rawGot.length === 3, 3_000, "the messages on both sides");
    const [first, second, third] = got as [Message, Message, Message];
    expect(first).toEqual({ id: first.id, topic: "fills.AAPL", payload: { qty: 1 }, timestamp: clock.now(), source: "strategy", headers: { "trace-id": "t-1", "x-Mixed_Case": " v a l ", "x-Name": "Zoë 🙂" } });
    expect(second).toEqual({ id: second.id, topic: "fills.MSFT", payload: { qty: 2 }, timestamp: clock.now() });
    expect(third).toEqual({ id: third.id, topic: "fills.NONE", payload: undefined, timestamp: clock.now() });
    expect(new Set([first.id, second.id, third.id]).size).toBe(3);
    // on the wire: one payload, the documented envelope, no NATS headers
    const [wire] = rawGot as [Msg];
    expect(wire.headers).toBeUndefined();
    expect([...wire.data.subarray(0, 2)]).toEqual([0x00, 0x01]);
    expect(new TextDecoder().decode(wire.data.subarray(2))).toBe(`${first.id}\n${clock.now()}\nsstrategy\nhtrace-id:t-1\nhx-Mixed_Case: v a l \nhx-Name:Zoë 🙂\n\n{"qty":1}`);
  });

  it('wire: "headers" carries the metadata in NATS headers and the bare payload; buses of either format read each other', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 5, 9, 30));
    const [headersBus, envelopeBus, prefix] = await pair({ clock, wire: "headers" }, { clock });
    const atEnvelopeBus: Message[] = [];
    const atHeadersBus: Message[] = [];
    envelopeBus.subscribe("fills.*", (message) => void atEnvelopeBus.push(message));
    headersBus.subscribe("fills.*", (message) => void atHeadersBus.push(message));
    const raw = await rawConnection();
    const rawGot: Msg[] = [];
    raw.subscribe(`${prefix}.fills.*`, { callback: (_error, msg) => void rawGot.push(msg) });
    await raw.flush();
    await envelopeBus.flush();
    await headersBus.flush();
    await headersBus.publish("fills.AAPL", { qty: 1 }, { source: "strategy", headers: { "trace-id": "t-1", "x-Mixed_Case": "v a l" } });
    await eventually(() => atEnvelopeBus.length === 1 && atHeadersBus.length === 1 && rawGot.length === 1, 3_000, "the headers-format message everywhere");
    await envelopeBus.publish("fills.MSFT", { qty: 2 }, { source: "other", headers: { k: "v" } });
    await eventually(() => atEnvelopeBus.length === 2 && atHeadersBus.length === 2 && rawGot.length === 2, 3_000, "the envelope message everywhere");
    const [first, second] = atEnvelopeBus as [Message, Message];
    expect(first).toEqual({ id: first.id, topic: "fills.AAPL", payload: { qty: 1 }, timestamp: clock.now(), source: "strategy", headers: { "trace-id": "t-1", "x-Mixed_Case": "v a l" } });
    expect(second).toEqual({ id: second.id, topic: "fills.MSFT", payload: { qty: 2 }, timestamp: clock.now(), source: "other", headers: { k: "v" } });
    expect(atHeadersBus).toEqual(atEnvelopeBus);
    // on the wire: plain NATS headers any client can read, and the bare JSON payload
    const headers = rawGot[0]?.headers;
    expect(headers?.get("Ao-Id")).toBe(first.id);
    expect(headers?.get("Ao-Time")).toBe(String(clock.now()));
    expect(headers?.get("Ao-Source")).toBe("strategy");
    expect(headers?.get("trace-id")).toBe("t-1");
    expect(rawGot[0]?.json()).toEqual({ qty: 1 });
    // the bus reads them back through the client's public header API
    expect(readWire(rawGot[0] as Msg)).toEqual({ id: first.id, timestamp: clock.now(), source: "strategy", headers: { "trace-id": "t-1", "x-Mixed_Case": "v a l" }, reply: "" });
  });

  it("a malformed envelope goes to onError as PAYLOAD_INVALID with its bytes, is counted as dropped, and answers a request with no-reply", async () => {
    const errors: Array<{ error: unknown; message: Message }> = [];
    const [a, b, prefix] = await pair({}, { onError: (error, message) => void errors.push({ error, message }) });
    const got: unknown[] = [];
    b.subscribe("orders", (message) => void got.push(message.payload));
    b.subscribe("quote", () => "never reached");
    await b.flush();
    const raw = await rawConnection();
    const broken = new TextEncoder().encode("\u0000\u0001id-1\nnot-a-time\n\n{}");
    raw.publish(`${prefix}.orders`, broken);
    await raw.flush();
    await eventually(() => errors.length === 1, 3_000, "the decode error");
    const [failure] = errors as [{ error: unknown; message: Message }];
    expect(failure.error).toBeInstanceOf(BusError);
    expect((failure.error as BusError).code).toBe("PAYLOAD_INVALID");
    expect((failure.error as BusError).message).toMatch(/"orders".*could not be decoded and was dropped: malformed envelope: the timestamp "not-a-time" is not a number/);
    expect(failure.message.topic).toBe("orders");
    expect([...(failure.message.payload as Uint8Array)]).toEqual([...broken]);
    expect(failure.message.id).not.toBe("id-1");
    expect(b.stats().dropped).toBe(1);
    // a malformed request from a requester that speaks the bus's reply protocol (`Ao-Reply: status`):
    // the responder announces itself, then declines at once (the requester's NO_REPLY, not a timeout)
    const inbox = `${prefix}.inbox`;
    const statuses: string[] = [];
    raw.subscribe(inbox, { callback: (_error, msg) => void statuses.push(msg.headers?.get("Ao-Status") ?? "a reply") });
    await raw.flush();
    const speaksStatus = natsHeaders();
    speaksStatus.set("Ao-Reply", "status");
    raw.publish(`${prefix}.quote`, new TextEncoder().encode("\u0000\u0001\n5\n\n"), { reply: inbox, headers: speaksStatus });
    await eventually(() => statuses.length === 2 && errors.length === 2, 3_000, "the statuses and the second decode error");
    expect(statuses).toEqual(["accepted", "no-reply"]);
    expect((errors[1]?.error as BusError).message).toMatch(/malformed envelope: the message id is empty/);
    expect(b.stats().dropped).toBe(2);
    // a well-formed message still arrives
    await a.publish("orders", { ok: true });
    await eventually(() => got.length === 1, 3_000, "the valid message");
    expect(got).toEqual([{ ok: true }]);
  });

  it("refuses headers NATS cannot carry, and names reserved for the metadata", async () => {
    const [a] = await pair();
    await expect(a.publish("t", 1, { headers: { "Ao-Id": "forged" } })).rejects.toThrow(/header name "Ao-Id" is reserved/);
    await expect(a.publish("t", 1, { headers: { "ao-time": "1" } })).rejects.toSatisfy(hasCode("INVALID_OPTION"));
    await expect(a.publish("t", 1, { headers: { "a:b": "1" } })).rejects.toThrow(/header name "a:b" cannot travel/);
    await expect(a.publish("t", 1, { headers: { "a b": "1" } })).rejects.toSatisfy(hasCode("INVALID_OPTION"));
    await expect(a.publish("t", 1, { headers: { ok: "line\r\nbreak" } })).rejects.toThrow(/`headers.ok` to have no line breaks/);
    await expect(a.publish("t", 1, { headers: { ok: 1 as never } })).rejects.toThrow(/`headers.ok` to be a string, got 1/);
    await expect(a.publish("t", 1, { source: "a\nb" })).rejects.toThrow(/`source` to have no line breaks/);
    await expect(a.request("t", 1, { timeoutMs: 0 })).rejects.toThrow(/`timeoutMs` to be a positive finite number/);
  });

  it("uses the codec on both sides, for payloads and replies; undecodable bytes go to onError and are counted as dropped", async () => {
    const encoder = new TextEncoder();
    const decoder = new TextDecoder();
    const upper: PayloadCodec = {
      encode: (payload) => encoder.encode(`U:${String(payload)}`),
      decode: (bytes) => {
        const text = decoder.decode(bytes);
        if (!text.startsWith("U:")) throw new Error(`not an upper-codec message: ${JSON.stringify(text)}`);
        return text.slice(2).toUpperCase();
      },
    };
    const errors: Array<{ error: unknown; message: Message }> = [];
    const [a, b, prefix] = await pair({ codec: upper }, { codec: upper, onError: (error, message) => void errors.push({ error, message }) });
    const got: unknown[] = [];
    const metadata: Array<{ source: string | undefined; headers: Message["headers"] }> = [];
    b.subscribe("words", (message) => {
      got.push(message.payload);
      metadata.push({ source: message.source, headers: message.headers });
    });
    b.subscribe("shout", (message) => `${String(message.payload)}!`);
    await b.flush();
    // in the envelope, the metadata goes before the codec's own bytes
    await a.publish("words", "hello", { source: "writer", headers: { lang: "en" } });
    expect(await a.request("shout", "hey")).toBe("HEY!");
    const raw = await rawConnection();
    raw.publish(`${prefix}.words`, "plain text from a raw client");
    await raw.flush();
    await eventually(() => got.length === 1 && errors.length === 1, 3_000, "the message and the decode error");
    expect(got).toEqual(["HELLO"]);
    expect(metadata).toEqual([{ source: "writer", headers: { lang: "en" } }]);
    const [failure] = errors as [{ error: unknown; message: Message }];
    expect(failure.error).toBeInstanceOf(BusError);
    expect((failure.error as BusError).code).toBe("PAYLOAD_INVALID");
    expect((failure.error as BusError).message).toMatch(/could not be decoded.*not an upper-codec message/);
    expect(failure.message.topic).toBe("words");
    expect(decoder.decode(failure.message.payload as Uint8Array)).toBe("plain text from a raw client");
    expect(b.stats().dropped).toBe(1);
  });

  it("gives a message from a raw client (no metadata headers) an id and the receipt time", async () => {
    const [, b, prefix] = await pair();
    const got: Message[] = [];
    b.subscribe("raw.>", (message) => void got.push(message));
    await b.flush();
    const raw = await rawConnection();
    const before = Date.now();
    raw.publish(`${prefix}.raw.feed`, JSON.stringify({ px: 1 }));
    raw.publish(`${prefix}.raw.feed`, JSON.stringify({ px: 2 }));
    await raw.flush();
    await eventually(() => got.length === 2, 3_000, "the raw messages");
    expect(got.map((message) => message.payload)).toEqual([{ px: 1 }, { px: 2 }]);
    expect(got[0]?.topic).toBe("raw.feed");
    expect(got[0]?.id).not.toBe(got[1]?.id);
    expect(got[0]?.timestamp).toBeGreaterThanOrEqual(before);
    expect(got[0]).not.toHaveProperty("headers");
    expect(got[0]).not.toHaveProperty("source");
  });
});

describe("NatsBus ids", () => {
  it("numbers what it publishes and the plain messages it receives from one counter, in either wire format", async () => {
    for (const wire of ["envelope", "headers"] as const) {
      const [a, , prefix] = await pair({ wire });
      const got: Message[] = [];
      a.subscribe("ids", (message) => void got.push(message));
      await a.flush();
      const raw = await rawConnection();
      await a.publish("ids", 1);
      raw.publish(`${prefix}.ids`, JSON.stringify(2));
      await raw.flush();
      await a.publish("ids", 3);
      await eventually(() => got.length === 3, 3_000, `three messages (${wire})`);
      expect(new Set(got.map((message) => message.id)).size, wire).toBe(3);
      // `<bus id: 12 base64url characters>.<counter in base 36>`, one counter per bus
      const busId = got[0]?.id.split(".")[0] ?? "";
      expect(busId, wire).toMatch(/^[A-Za-z0-9_-]{12}$/);
      expect(got.map((message) => message.id).sort(), wire).toEqual([0, 1, 2].map((count) => `${busId}.${count}`));
    }
  });

  it("gives each bus its own id prefix, in one process and in one connection", async () => {
    const connection = await rawConnection();
    const prefix = uniqueToken("ids");
    const buses = await Promise.all(Array.from({ length: 20 }, () => createNatsBus({ connection }, { prefix })));
    cleanups.push(() => Promise.all(buses.map((bus) => bus.close())));
    const got: Message[] = [];
    const listener = await createNatsBus({ servers: suite.url }, { prefix });
    cleanups.push(() => listener.close());
    listener.subscribe("ids", (message) => void got.push(message));
    await listener.flush();
    await Promise.all(buses.map((bus) => bus.publish("ids", 1)));
    await eventually(() => got.length === buses.length, 3_000, "one message from every bus");
    const prefixes = new Set(got.map((message) => message.id.split(".")[0]));
    expect(prefixes.size).toBe(buses.length);
  });
});

describe("NatsBus across connections", () => {
  it("keeps buses with different prefixes apart", async () => {
    const a = await createNatsBus({ servers: suite.url }, { prefix: uniqueToken("left") });
    const b = await createNatsBus({ servers: suite.url }, { prefix: uniqueToken("right") });
    cleanups.push(() => a.close(), () => b.close());
    const got: unknown[] = [];
    b.subscribe(">", (message) => void got.push(message.payload));
    await b.flush();
    await a.publish("shared.topic", 1);
    await expect(a.request("shared.topic", 1)).rejects.toSatisfy(hasCode("NO_RESPONDERS"));
    await a.flush();
    await b.flush();
    expect(got).toEqual([]);
  });

  it("delivers each message to one member of a queue group across processes, and to every plain subscriber", async () => {
    const [a, b] = await pair();
    const members: unknown[][] = [[], [], []];
    a.subscribe("jobs.run", (message) => void members[0]?.push(message.payload), { queue: "workers" });
    b.subscribe("jobs.run", (message) => void members[1]?.push(message.payload), { queue: "workers" });
    b.subscribe("jobs.*", (message) => void members[2]?.push(message.payload), { queue: "workers" });
    const plain: unknown[] = [];
    b.subscribe("jobs.>", (message) => void plain.push(message.payload));
    await a.flush();
    await b.flush();
    const sent = Array.from({ length: 60 }, (_, i) => i);
    for (const n of sent) void a.publish("jobs.run", n);
    await a.flush();
    await eventually(() => members.flat().length === 60 && plain.length === 60, 3_000, "every job once in the group");
    expect(members.flat().sort((x, y) => (x as number) - (y as number))).toEqual(sent);
    expect(plain).toEqual(sent);
    expect(members.filter((list) => list.length > 0).length).toBeGreaterThan(1);
  });

  it("request: the first reply wins across processes; a slow responder that announced itself is waited for", async () => {
    const [a, b] = await pair({ noReplyGraceMs: 50 });
    let release!: () => void;
    const slow = new Promise<void>((resolve) => (release = resolve));
    cleanups.push(async () => release());
    let localDeclined = false;
    let remoteStarted = false;
    a.subscribe("quote", () => void (localDeclined = true));
    b.subscribe("quote", async () => {
      remoteStarted = true;
      await slow;
      return { px: 101 };
    });
    a.subscribe("witness", () => undefined);
    await a.flush();
    await b.flush();
    let outcome: string | undefined;
    const reply = a.request("quote", { symbol: "AAPL" }, { timeoutMs: 10_000 });
    reply.then(
      () => (outcome = "replied"),
      (error: unknown) => (outcome = (error as BusError).code),
    );
    // the local handler declined at once; the remote one is working
    await eventually(() => localDeclined && remoteStarted, 3_000, "both handlers to have run");
    // every status the responders sent has reached the requester: the remote `accepted` went out before
    // its handler ran, and a round trip on each connection orders it (and the local `no-reply`) before
    // the PONG the requester waits for
    await b.natsConnection.flush();
    await a.natsConnection.flush();
    // a later request that only a declining handler answers gets its NO_REPLY one grace period after its
    // `no-reply`: a NO_REPLY for "quote", armed earlier with the same grace, would have come first
    await withTimeout(expect(a.request("witness", 1, { timeoutMs: 10_000 })).rejects.toSatisfy(hasCode("NO_REPLY")), 5_000, "the witness's NO_REPLY");
    expect(outcome, "the request settled while an announced responder was still working").toBeUndefined();
    release();
    expect(await withTimeout(reply, 3_000, "the slow reply")).toEqual({ px: 101 });
  });

  it("request: NO_REPLY once every responder in every process settled without replying (a throw and a dropped message count)", async () => {
    const routed: unknown[] = [];
    const [a, b] = await pair({}, { onError: (error) => void routed.push(error) });
    a.subscribe("audit", () => undefined);
    b.subscribe("audit", async () => {
      await new Promise((resolve) => setTimeout(resolve, 100));
    });
    b.subscribe("audit", () => {
      throw new Error("no answer");
    });
    // a subscription whose queue is full: the request is dropped there (drop-newest)
    let release!: () => void;
    const hold = new Promise<void>((resolve) => (release = resolve));
    const busy: unknown[] = [];
    const full = b.subscribe(
      "audit",
      async (message) => {
        busy.push(message.payload);
        if (message.payload === "first") await hold;
      },
      { maxPending: 1, overflow: "drop-newest" },
    );
    // cleanups run last-in first-out: the handler is released before the buses close, even when the test fails
    cleanups.push(async () => release());
    await a.flush();
    await b.flush();
    await a.publish("audit", "first");
    // "second" must find "first" in the handler, not in the queue (both in one read would drop "second")
    await eventually(() => busy.length === 1, 3_000, "the first message in the handler");
    await a.publish("audit", "second");
    await eventually(() => full.pending === 1, 3_000, "a full queue");
    const dropsBefore = b.stats().dropped;
    // NO_REPLY as soon as all four have settled or dropped it, not after the 20 s timeout
    await withTimeout(expect(a.request("audit", "request", { timeoutMs: 20_000 })).rejects.toSatisfy(hasCode("NO_REPLY")), 5_000, "NO_REPLY");
    expect(b.stats().dropped).toBe(dropsBefore + 1);
    release();
    await b.flush();
    expect(busy).toEqual(["first", "second"]);
    expect(routed).toHaveLength(3);
  });

  it("request: a reply that cannot be encoded reaches onError as PAYLOAD_INVALID, and the requester gets NO_REPLY", async () => {
    const routed: unknown[] = [];
    const [a, b] = await pair({}, { onError: (error) => void routed.push(error) });
    b.subscribe("bad.reply", () => ({ big: 1n }));
    await b.flush();
    await expect(a.request("bad.reply", null, { timeoutMs: 20_000 })).rejects.toSatisfy(hasCode("NO_REPLY"));
    await b.flush();
    expect(routed).toHaveLength(1);
    expect(routed[0]).toBeInstanceOf(BusError);
    expect((routed[0] as BusError).code).toBe("PAYLOAD_INVALID");
    expect((routed[0] as BusError).message).toMatch(/reply to a request on "bad\.reply" cannot be encoded/);
  });

  it("request: REQUEST_TIMEOUT on the requester's clock", async () => {
    const clock = new ManualClock(0);
    const [a, b] = await pair({ clock }, {});
    let started = false;
    let release!: () => void;
    const hold = new Promise<void>((resolve) => (release = resolve));
    b.subscribe("never", async () => {
      started = true;
      await hold;
    });
    await b.flush();
    const outcome = a.request("never", 1, { timeoutMs: 1_000 }).then(
      () => "replied",
      (error: unknown) => (error as BusError).code,
    );
    await eventually(() => started, 3_000, "the handler to start");
    await clock.advance(999);
    await clock.advance(1);
    expect(await withTimeout(outcome, 1_000, "the timeout")).toBe("REQUEST_TIMEOUT");
    release();
  });

  it("applies a subscription's overflow on its own queue: a full 'error' queue drops what other processes send, counted", async () => {
    const drops: Array<{ payload: unknown; reason: DropReason }> = [];
    const [a, b] = await pair({}, { onDrop: (message, reason) => void drops.push({ payload: message.payload, reason }) });
    let release!: () => void;
    const hold = new Promise<void>((resolve) => (release = resolve));
    const got: unknown[] = [];
    b.subscribe(
      "q",
      async (message) => {
        got.push(message.payload);
        if (message.payload === 0) await hold;
      },
      { maxPending: 1, overflow: "error" },
    );
    await b.flush();
    await a.publish("q", 0);
    await eventually(() => got.length === 1, 3_000, "message 0 in the handler");
    // the publisher cannot see another process's queue: its publishes are accepted
    await a.publish("q", 1);
    await a.publish("q", 2);
    await a.publish("q", 3);
    await eventually(() => b.stats().dropped === 2, 3_000, "two drops on arrival");
    expect(drops).toEqual([
      { payload: 2, reason: "overflow" },
      { payload: 3, reason: "overflow" },
    ]);
    // in the subscriber's own process the publish is refused, as in-process
    await expect(b.publish("q", 4)).rejects.toSatisfy(hasCode("QUEUE_FULL"));
    release();
    await b.flush();
    expect(got).toEqual([0, 1]);
  });

  it("reports its connection and counts what it publishes and delivers", async () => {
    const [a, b] = await pair({ requireConnection: false }, {});
    expect(a.connection()).toEqual({ connected: true, reconnects: 0, required: false });
    expect(b.connection()).toEqual({ connected: true, reconnects: 0, required: true });
    b.subscribe("count", () => undefined);
    await b.flush();
    for (let i = 0; i < 5; i++) await a.publish("count", i);
    await eventually(() => b.stats().delivered === 5, 3_000, "five deliveries");
    expect(a.stats()).toEqual({ published: 5, delivered: 0, dropped: 0, pending: 0, handlerErrors: 0, lostOnDisconnect: 0 });
    expect(b.stats()).toEqual({ published: 0, delivered: 5, dropped: 0, pending: 0, handlerErrors: 0, lostOnDisconnect: 0 });
    await a.close();
    expect(a.connection().connected).toBe(false);
  });

  it("close() drains: messages the server delivered before it are handled, pending requests are abandoned with BUS_CLOSED", async () => {
    const [a, b] = await pair();
    const got: unknown[] = [];
    b.subscribe("work", async (message) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      got.push(message.payload);
    });
    let release!: () => void;
    const hold = new Promise<void>((resolve) => (release = resolve));
    a.subscribe("hang", async () => {
      await hold;
      return "too late";
    });
    await a.flush();
    await b.flush();
    for (let i = 0; i < 10; i++) void a.publish("work", i);
    await a.flush();
    const hanging = b.request("hang", 1, { timeoutMs: 60_000 }).then(
      () => "replied",
      (error: unknown) => (error as BusError).code,
    );
    await eventually(() => got.length >= 1, 3_000, "the first message");
    await withTimeout(b.close(), 5_000, "close()");
    expect(got).toEqual(Array.from({ length: 10 }, (_, i) => i));
    expect(await hanging).toBe("BUS_CLOSED");
    release();
  });
});

/** A one-token topic of `length` characters. */
function topicOfLength(length: number): string {
  return "x".repeat(length);
}

describe("NatsBus subject limits", () => {
  it("refuses topics, patterns and queue group names longer than the server takes, the prefix counted, and its connection stays up", async () => {
    const [a, b, prefix] = await pair();
    // the limit counts the prefix and its dot
    const room = MAX_TOPIC_LENGTH - (prefix.length + 1);
    const longest = topicOfLength(room);
    const got: unknown[] = [];
    b.subscribe(longest, (message) => {
      got.push(message.payload);
      return "pong";
    });
    const wide: string[] = [];
    b.subscribe(`${topicOfLength(room - 2)}.>`, (message) => void wide.push(message.topic));
    await b.flush();
    // at the limit: publish, request and a wildcard subscription work end to end
    await a.publish(longest, 1);
    expect(await a.request(longest, 2)).toBe("pong");
    await a.publish(`${topicOfLength(room - 2)}.y`, 3);
    await eventually(() => got.length === 2 && wide.length === 1, 3_000, "the messages on the longest subjects");
    expect(got).toEqual([1, 2]);
    expect(wide).toEqual([`${topicOfLength(room - 2)}.y`]);

    // one character more is refused up front with INVALID_TOPIC, naming the limit and counting the prefix
    const overLimit = (kind: string) => (error: unknown) =>
      error instanceof BusError &&
      error.code === "INVALID_TOPIC" &&
      error.message.startsWith(`Invalid ${kind}`) &&
      error.message.includes(`limit is ${MAX_TOPIC_LENGTH} characters`) &&
      error.message.includes(`${MAX_TOPIC_LENGTH + 1} with`) &&
      error.message.includes("prefix");
    await expect(a.publish(topicOfLength(room + 1), 1)).rejects.toSatisfy(overLimit("topic"));
    await expect(a.request(topicOfLength(room + 1), 1)).rejects.toSatisfy(overLimit("topic"));
    expect(() => b.subscribe(topicOfLength(room + 1), () => undefined)).toThrow(expect.objectContaining({ code: "INVALID_TOPIC" }));
    let refused: unknown;
    try {
      b.subscribe(`${topicOfLength(room - 1)}.>`, () => undefined);
    } catch (error) {
      refused = error;
    }
    expect(refused).toSatisfy(overLimit("pattern"));
    // a queue group name travels on the same protocol line: too long is refused too
    expect(() => b.subscribe("q", () => undefined, { queue: "g".repeat(MAX_TOPIC_LENGTH + 1) })).toThrow(/`queue` to be at most 1024 characters/);
    b.subscribe("q", () => undefined, { queue: "g".repeat(MAX_TOPIC_LENGTH) });
    // far over: refused as well, and nothing reached the server
    await expect(a.publish(topicOfLength(5_000), 1)).rejects.toSatisfy(hasCode("INVALID_TOPIC"));
    expect(() => b.subscribe(topicOfLength(5_000), () => undefined)).toThrow(expect.objectContaining({ code: "INVALID_TOPIC" }));

    // both connections stayed up throughout, and the bus still delivers
    await a.publish(longest, 4);
    await eventually(() => got.length === 3, 3_000, "a message after the refusals");
    await b.flush();
    expect(a.connection()).toEqual({ connected: true, reconnects: 0, required: true });
    expect(b.connection()).toEqual({ connected: true, reconnects: 0, required: true });
  });

  it("refuses a prefix or an inbox prefix that leaves no room for a subject", async () => {
    await expect(createNatsBus({ servers: suite.url }, { prefix: topicOfLength(MAX_TOPIC_LENGTH - 1) })).rejects.toThrow(/expected `prefix` to be at most 1022 characters/);
    await expect(createNatsBus({ servers: suite.url }, { inboxPrefix: topicOfLength(MAX_TOPIC_LENGTH) })).rejects.toThrow(/expected `inboxPrefix` to be at most \d+ characters/);
    const bus = await createNatsBus({ servers: suite.url }, { prefix: topicOfLength(MAX_TOPIC_LENGTH - 2) });
    cleanups.push(() => bus.close());
    await expect(bus.publish("ab", 1)).rejects.toSatisfy(hasCode("INVALID_TOPIC"));
    await bus.publish("a", 1);
  });
});

describe("NatsBus and plain NATS requesters", () => {
  const formats = ["envelope", "headers"] as const;

  it("a plain nc.request() to a bus responder receives the responder's payload, whatever the responder's wire format", async () => {
    for (const wire of formats) {
      const [, responder, prefix] = await pair({ wire });
      responder.subscribe("quote", (message) => {
        const payload = message.payload as { symbol: string } | "silent";
        return payload === "silent" ? undefined : { px: 101, symbol: payload.symbol };
      });
      await responder.flush();
      const raw = await rawConnection();
      const reply = await raw.request(`${prefix}.quote`, JSON.stringify({ symbol: "AAPL" }), { timeout: 3_000 });
      expect(reply.json(), wire).toEqual({ px: 101, symbol: "AAPL" });
      expect(reply.headers, wire).toBeUndefined();

      // nothing but replies reaches a plain requester: no status before a reply, nothing for a request
      // the handler declines (as from a plain NATS responder that does not answer)
      const inbox = `${prefix}.inbox`;
      const received: Msg[] = [];
      raw.subscribe(inbox, { callback: (_error, msg) => void received.push(msg) });
      await raw.flush();
      raw.publish(`${prefix}.quote`, JSON.stringify("silent"), { reply: inbox });
      raw.publish(`${prefix}.quote`, JSON.stringify({ symbol: "MSFT" }), { reply: inbox });
      // one subscription handles both in order on one connection: whatever it sent for the first
      // request arrives before the reply to the second
      await eventually(() => received.some((msg) => msg.data.length > 0), 3_000, `the reply to the second request (${wire})`);
      expect(received.map((msg) => ({ headers: msg.headers, payload: msg.json() })), wire).toEqual([{ headers: undefined, payload: { px: 101, symbol: "MSFT" } }]);
    }
  });

  it("buses announce the reply protocol on their requests and keep its early NO_REPLY, across wire formats", async () => {
    for (const requesterWire of formats) {
      for (const responderWire of formats) {
        const what = `${requesterWire} → ${responderWire}`;
        const [requester, responder, prefix] = await pair({ wire: requesterWire }, { wire: responderWire });
        responder.subscribe("silent", () => undefined);
        responder.subscribe("answer", (message) => ({ echo: message.payload }));
        await responder.flush();
        const raw = await rawConnection();
        const seen: Msg[] = [];
        raw.subscribe(`${prefix}.silent`, { callback: (_error, msg) => void seen.push(msg) });
        await raw.flush();
        // NO_REPLY at once, not after the 20 s timeout
        await withTimeout(expect(requester.request("silent", 1, { timeoutMs: 20_000 })).rejects.toSatisfy(hasCode("NO_REPLY")), 5_000, `NO_REPLY (${what})`);
        expect(await requester.request("answer", 2), what).toEqual({ echo: 2 });
        // the announcement on the wire: the header `Ao-Reply: status`, or the envelope line `rstatus`
        await eventually(() => seen.length === 1, 3_000, `the request seen by a plain subscriber (${what})`);
        const [request] = seen as [Msg];
        if (requesterWire === "headers") expect(request.headers?.get("Ao-Reply"), what).toBe("status");
        else {
          expect([...request.data.subarray(0, 2)], what).toEqual([0x00, 0x01]);
          expect(new TextDecoder().decode(request.data.subarray(2)), what).toMatch(/^[^\n]+\n\d+\nrstatus\n\n1$/);
        }
      }
    }
  });
});
