import { connect } from "@nats-io/transport-node";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Agent, createOrchestrator } from "../../src/index.js";
import { createNatsBus } from "../../src/nats/createNatsBus.js";
import { BusError } from "../../src/errors/BusError.js";
import { NatsError } from "../../src/nats/NatsError.js";
import { startNatsServer } from "../helpers/nats/natsServer.js";
import { withTimeout } from "../helpers/nats/processes.js";

class Idle extends Agent {
  static readonly agentName = "idle";
}

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const MESSAGES = 60_000;
/** Publishes per event-loop turn: each turn's publishes share one server round trip. */
const CHUNK = 1_000;
/** The server is killed once this many messages have come back to the observer. */
const KILL_AFTER = 12_000;

const decoder = new TextDecoder();

/** The JSON payload of an envelope (`\0\x01<metadata lines>\n\n<payload>`). */
function envelopePayload(data: Uint8Array): unknown {
  const text = decoder.decode(data);
  return JSON.parse(text.slice(text.indexOf("\n\n", 2) + 2)) as unknown;
}

describe("a NATS publish resolves only after a server round trip that covers it", () => {
  it("SIGKILL mid-burst: each publish resolves with its message processed by the server, or rejects with DISCONNECTED; published counts only what resolved", async () => {
    const server = await startNatsServer({ jetstream: false });
    cleanups.push(() => server.dispose());
    const bus = await createNatsBus({ servers: server.url, reconnectTimeWait: 100, reconnectJitter: 0 }, { prefix: "burst" });
    cleanups.push(() => bus.close());
    const orch = createOrchestrator({ agents: [Idle], bus, logger: false, keepAlive: false });
    cleanups.push(() => orch.shutdown());
    await orch.start();

    // The observer is a plain subscription on the publisher's own connection. The server writes each
    // message it processed to this connection before the PONG that confirms the publish (one
    // connection, one ordered TCP stream), so a message whose publish resolved has reached the
    // observer, even when the server dies a moment later. A subscriber on another connection gives no
    // such guarantee: the server may confirm a message and die before writing it there.
    const seen = new Uint8Array(MESSAGES);
    let seenCount = 0;
    let killed: Promise<void> | undefined;
    bus.natsConnection.subscribe("burst.feed", {
      callback: (error, msg) => {
        if (error !== null) return;
        seen[envelopePayload(msg.data) as number] = 1;
        seenCount++;
        // killed from inside the stream: messages are still on their way when the server dies
        if (seenCount === KILL_AFTER) killed = server.kill();
      },
    });
    await bus.natsConnection.flush();

    const outcomes: unknown[] = new Array<unknown>(MESSAGES);
    const settled: Array<Promise<void>> = [];
    for (let start = 0; start < MESSAGES; start += CHUNK) {
      for (let i = start; i < start + CHUNK; i++) {
        settled.push(
          bus.publish("feed", i).then(
            () => void (outcomes[i] = "resolved"),
            (error: unknown) => void (outcomes[i] = error),
          ),
        );
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    await withTimeout(Promise.all(settled), 10_000, "every publish to settle");
    expect(killed, "the server should have been killed mid-burst").toBeDefined();
    await killed;

    const resolved: number[] = [];
    const rejected: unknown[] = [];
    outcomes.forEach((outcome, i) => (outcome === "resolved" ? resolved.push(i) : rejected.push(outcome)));
    // none resolved and lost
    const resolvedButLost = resolved.filter((i) => seen[i] !== 1);
    expect(resolvedButLost.length, `publishes that resolved though the server never processed their message (first: ${resolvedButLost.slice(0, 5).join(", ")})`).toBe(0);
    expect(resolved.length, "the server confirmed the messages it processed before the kill").toBeGreaterThanOrEqual(KILL_AFTER - CHUNK);
    // every other publish rejected with DISCONNECTED: either refused at once (the bus already knew the
    // connection was down, nothing sent) or sent and unconfirmed when the connection dropped
    expect(rejected.length).toBe(MESSAGES - resolved.length);
    const notDisconnected = rejected.filter((error) => !(error instanceof NatsError && error.code === "DISCONNECTED"));
    expect(notDisconnected.slice(0, 3), "rejections other than DISCONNECTED").toEqual([]);
    const unconfirmed = rejected.filter((error) => /may not have reached the server/.test((error as Error).message));
    const refused = rejected.filter((error) => /the message was not sent/.test((error as Error).message));
    expect(unconfirmed.length + refused.length).toBe(rejected.length);
    // the kill came while messages were in flight: their publishes say they may be lost
    expect(unconfirmed.length).toBeGreaterThan(0);
    expect((unconfirmed[0] as Error).message).toMatch(/the NATS connection was lost before the server confirmed/);

    expect(bus.stats()).toMatchObject({ published: resolved.length, lostOnDisconnect: unconfirmed.length });
    const text = await orch.metrics();
    expect(text).toMatch(new RegExp(`^bus_messages_published_total ${resolved.length}$`, "m"));
    expect(text).toMatch(new RegExp(`^bus_messages_lost_total ${unconfirmed.length}$`, "m"));
  });

  it("a publish or request whose round trip is cut short by the owner closing the connection rejects with DISCONNECTED instead of hanging", async () => {
    const server = await startNatsServer({ jetstream: false });
    cleanups.push(() => server.dispose());
    const connection = await connect({ servers: server.url });
    cleanups.push(() => connection.close());
    const bus = await createNatsBus({ connection }, { prefix: "closing" });
    cleanups.push(() => bus.close());
    // a frozen server reads nothing and answers nothing: the round trip cannot complete
    server.pause();
    cleanups.push(async () => server.resume());
    const pending = bus.publish("x", 1);
    const asked = bus.request("y", 1, { timeoutMs: 60_000 });
    await connection.close();
    await expect(withTimeout(pending, 5_000, "the publish to settle")).rejects.toSatisfy(
      (error: unknown) => error instanceof NatsError && error.code === "DISCONNECTED" && /may not have reached the server/.test(error.message),
    );
    // the request does not wait for its timeout either
    await expect(withTimeout(asked, 5_000, "the request to settle")).rejects.toSatisfy(
      (error: unknown) => error instanceof NatsError && error.code === "DISCONNECTED" && /Request on "y" abandoned.*may not have reached the server/.test(error.message),
    );
    expect(bus.stats()).toMatchObject({ published: 0, lostOnDisconnect: 2 });
  });

  it("a turn's publishes share one PING, sent with them; a publish the client refuses sends none", async () => {
    const server = await startNatsServer({ jetstream: false });
    cleanups.push(() => server.dispose());
    const connection = await connect({ servers: server.url });
    cleanups.push(() => connection.close());
    const bus = await createNatsBus({ connection }, { prefix: "turns" });
    cleanups.push(() => bus.close());
    const flush = vi.spyOn(connection, "flush");
    const turn = Array.from({ length: 100 }, (_, i) => bus.publish("x", i));
    await Promise.all(turn);
    expect(flush).toHaveBeenCalledTimes(1);
    expect(bus.stats().published).toBe(100);

    // over the server's max_payload: the client refuses it before writing anything
    const tooBig = "x".repeat(2 * 1_024 * 1_024);
    await expect(bus.publish("x", tooBig)).rejects.toSatisfy((error: unknown) => error instanceof BusError && error.code === "PAYLOAD_INVALID");
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(flush).toHaveBeenCalledTimes(1);
    expect(bus.stats().published).toBe(100);
  });
});
