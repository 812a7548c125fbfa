import { SpanKind } from "@opentelemetry/api";
import { afterEach, describe, expect, it } from "vitest";
import type { Message } from "../../src/bus/Bus.js";
import { createNatsBus } from "../../src/nats/createNatsBus.js";
import type { NatsBus } from "../../src/nats/NatsBus.js";
import type { NatsWireFormat } from "../../src/nats/NatsBusOptions.js";
import { uniqueToken } from "../helpers/nats/natsServer.js";
import { natsSuite } from "../helpers/nats/natsSuite.js";
import { eventually } from "../helpers/nats/processes.js";
import { contextOf, parentOf, registerTracing, type RegisteredTracing } from "../helpers/tracing.js";

const suite = natsSuite();
const { cleanups } = suite;
let tracing: RegisteredTracing | undefined;

afterEach(async () => {
  await tracing?.dispose();
  tracing = undefined;
});

/** Two buses on two connections sharing a fresh prefix: a feed's process and a strategy's. */
async function pair(wire: NatsWireFormat): Promise<{ feed: NatsBus; strategy: NatsBus }> {
  const prefix = uniqueToken("trace");
  const feed = await createNatsBus({ servers: suite.url }, { prefix, wire });
  const strategy = await createNatsBus({ servers: suite.url }, { prefix, wire });
  cleanups.push(() => feed.close(), () => strategy.close());
  return { feed, strategy };
}

describe("NatsBus: trace context across the server", () => {
  for (const wire of ["envelope", "headers"] as const) {
    it(`makes a handler's span on another bus the child of the publisher's span, and back (wire: ${wire})`, async () => {
      tracing = registerTracing();
      const { feed, strategy } = await pair(wire);
      strategy.subscribe("prices.*.tick", async (message) => {
        await strategy.publish("orders.new", { from: message.topic });
      });
      const orders: Message[] = [];
      feed.subscribe("orders.new", (message) => void orders.push(message));
      await strategy.flush();
      await feed.flush();
      await feed.publish("prices.AAPL.tick", { px: 1 });
      await eventually(() => orders.length === 1, 5_000, "the order");
      await eventually(() => tracing?.spans().length === 4, 5_000, "four spans");
      const tick = tracing.span("publish prices.AAPL.tick");
      const strategySpan = tracing.span("process prices.*.tick");
      const order = tracing.span("publish orders.new");
      const book = tracing.span("process orders.new");
      expect(parentOf(strategySpan)).toBe(contextOf(tick).spanId);
      expect(parentOf(order)).toBe(contextOf(strategySpan).spanId);
      expect(parentOf(book)).toBe(contextOf(order).spanId);
      expect(new Set([tick, strategySpan, order, book].map((span) => contextOf(span).traceId)).size).toBe(1);
      expect(strategySpan.kind).toBe(SpanKind.CONSUMER);
      expect(tick.attributes["messaging.system"]).toBe("nats");
      expect(orders[0]?.headers?.["traceparent"]).toBe(`00-${contextOf(order).traceId}-${contextOf(order).spanId}-01`);
    });
  }

  for (const wire of ["envelope", "headers"] as const) {
    it(`replaces the upstream traceparent a handler forwards with message.headers (wire: ${wire})`, async () => {
      tracing = registerTracing();
      const { feed, strategy } = await pair(wire);
      strategy.subscribe("prices.*.tick", async (message) => {
        await strategy.publish("orders.new", { from: message.topic }, { headers: message.headers ?? {} });
      });
      const orders: Message[] = [];
      feed.subscribe("orders.new", (message) => void orders.push(message));
      await strategy.flush();
      await feed.flush();
      await feed.publish("prices.AAPL.tick", { px: 1 }, { headers: { "x-user": "u1" } });
      await eventually(() => orders.length === 1, 5_000, "the order");
      await eventually(() => tracing?.spans().length === 4, 5_000, "four spans");
      const tick = tracing.span("publish prices.AAPL.tick");
      const order = tracing.span("publish orders.new");
      const book = tracing.span("process orders.new");
      expect(parentOf(order)).toBe(contextOf(tracing.span("process prices.*.tick")).spanId);
      expect(parentOf(book)).toBe(contextOf(order).spanId);
      expect(parentOf(book)).not.toBe(contextOf(tick).spanId);
      expect(orders[0]?.headers?.["x-user"]).toBe("u1");
      expect(orders[0]?.headers?.["traceparent"]).toBe(`00-${contextOf(order).traceId}-${contextOf(order).spanId}-01`);
    });
  }

  it("makes a responder's span on another bus the child of the request's CLIENT span, ended with the reply", async () => {
    tracing = registerTracing();
    const { feed, strategy } = await pair("envelope");
    strategy.subscribe("quote", () => ({ px: 2 }));
    await strategy.flush();
    await expect(feed.request("quote", "AAPL")).resolves.toEqual({ px: 2 });
    await eventually(() => tracing?.spans().some((span) => span.name === "request quote") === true, 5_000, "the request's span");
    const request = tracing.span("request quote");
    expect(request.kind).toBe(SpanKind.CLIENT);
    expect(parentOf(tracing.span("process quote"))).toBe(contextOf(request).spanId);
  });

  it("refuses a tracing option that is not a boolean, naming it", async () => {
    await expect(createNatsBus({ servers: suite.url }, { tracing: 1 as never })).rejects.toThrow(/createNatsBus: expected `tracing` to be a boolean, got 1/);
  });

  it("does nothing for tracing on a bus created with tracing: false, provider or not", async () => {
    tracing = registerTracing();
    const prefix = uniqueToken("trace");
    const quiet = await createNatsBus({ servers: suite.url }, { prefix, tracing: false, wire: "headers" });
    cleanups.push(() => quiet.close());
    const got: Message[] = [];
    quiet.subscribe("t", (message) => void got.push(message));
    await quiet.flush();
    await quiet.publish("t", 1);
    await eventually(() => got.length === 1, 5_000, "the message");
    expect(got[0]?.headers).toBeUndefined();
    expect(tracing.spans()).toEqual([]);
  });

  it("sends no traceparent while no tracer provider is registered", async () => {
    const { feed, strategy } = await pair("headers");
    const got: Message[] = [];
    strategy.subscribe("t", (message) => void got.push(message));
    await strategy.flush();
    await feed.publish("t", 1, { headers: { a: "b" } });
    await eventually(() => got.length === 1, 5_000, "the message");
    expect(got[0]?.headers).toEqual({ a: "b" });
  });
});
