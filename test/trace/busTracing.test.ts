import { context, propagation, SpanKind, SpanStatusCode, trace, type TextMapPropagator } from "@opentelemetry/api";
import { afterEach, describe, expect, it } from "vitest";
import type { Message } from "../../src/bus/Bus.js";
import { createBus } from "../../src/bus/createBus.js";
import { contextOf, parentOf, registerTracing, type RegisteredTracing } from "../helpers/tracing.js";

let tracing: RegisteredTracing | undefined;

afterEach(async () => {
  await tracing?.dispose();
  tracing = undefined;
});

describe("bus tracing, in process", () => {
  it("makes publish → handler → publish → handler one trace, each span the child of the one before", async () => {
    tracing = registerTracing();
    const bus = createBus();
    bus.subscribe("prices.*.tick", async (message) => {
      await bus.publish("orders.new", { from: message.topic });
    });
    const orders: Message[] = [];
    bus.subscribe("orders.new", (message) => void orders.push(message));
    await bus.publish("prices.AAPL.tick", { px: 1 });
    await bus.flush();
    await bus.flush();
    expect(orders).toHaveLength(1);
    const tick = tracing.span("publish prices.AAPL.tick");
    const strategy = tracing.span("process prices.*.tick");
    const order = tracing.span("publish orders.new");
    const book = tracing.span("process orders.new");
    expect(tick.kind).toBe(SpanKind.PRODUCER);
    expect(strategy.kind).toBe(SpanKind.CONSUMER);
    expect(parentOf(tick)).toBeUndefined();
    expect(parentOf(strategy)).toBe(contextOf(tick).spanId);
    expect(parentOf(order)).toBe(contextOf(strategy).spanId);
    expect(parentOf(book)).toBe(contextOf(order).spanId);
    expect(new Set([tick, strategy, order, book].map((span) => contextOf(span).traceId)).size).toBe(1);
    expect(orders[0]?.headers?.["traceparent"]).toBe(`00-${contextOf(order).traceId}-${contextOf(order).spanId}-01`);
    expect(strategy.attributes).toMatchObject({
      "messaging.system": "agent-orchestrator",
      "messaging.operation.type": "process",
      "messaging.destination.name": "prices.AAPL.tick",
      "messaging.destination.subscription.name": "prices.*.tick",
    });
    expect(tick.attributes).toMatchObject({ "messaging.operation.type": "send", "messaging.operation.name": "publish", "messaging.destination.name": "prices.AAPL.tick" });
    expect(tick.instrumentationScope.name).toBe("@acme/agent-orchestrator");
  });

  it("runs the handler inside its span, so the host's own spans nest under it", async () => {
    tracing = registerTracing();
    const bus = createBus();
    bus.subscribe("t", () => {
      trace.getTracer("host").startSpan("host work").end();
    });
    await bus.publish("t", 1);
    await bus.flush();
    expect(parentOf(tracing.span("host work"))).toBe(contextOf(tracing.span("process t")).spanId);
  });

  it("nests a publish under the publisher's active span and leaves the caller's headers object as it was", async () => {
    tracing = registerTracing();
    const bus = createBus();
    const got: Message[] = [];
    bus.subscribe("t", (message) => void got.push(message), { queue: "workers" });
    const headers = { "x-user": "u1" };
    const outer = trace.getTracer("host").startSpan("host request");
    await context.with(trace.setSpan(context.active(), outer), () => bus.publish("t", 1, { headers }));
    outer.end();
    await bus.flush();
    expect(headers).toEqual({ "x-user": "u1" });
    expect(got[0]?.headers?.["x-user"]).toBe("u1");
    expect(parentOf(tracing.span("publish t"))).toBe(outer.spanContext().spanId);
    expect(tracing.span("process t").attributes["messaging.consumer.group.name"]).toBe("workers");
  });

  it("marks a handler's span failed with the exception when it throws or rejects, as the bus reports it", async () => {
    tracing = registerTracing();
    const errors: unknown[] = [];
    const bus = createBus({ onError: (error) => void errors.push(error) });
    bus.subscribe("sync", () => {
      throw new TypeError("bad tick");
    });
    bus.subscribe("async", async () => {
      throw new RangeError("late");
    });
    await bus.publish("sync", 1);
    await bus.publish("async", 1);
    await bus.flush();
    expect(errors).toHaveLength(2);
    for (const [name, type] of [["process sync", "TypeError"], ["process async", "RangeError"]] as const) {
      const span = tracing.span(name);
      expect(span.status.code).toBe(SpanStatusCode.ERROR);
      expect(span.attributes["error.type"]).toBe(type);
      expect(span.events.map((event) => event.name)).toEqual(["exception"]);
    }
  });

  it("traces a request as a CLIENT span ended with the reply, the responder's span its child", async () => {
    tracing = registerTracing();
    const bus = createBus();
    bus.subscribe("quote", (message) => ({ px: 2, asked: message.payload }));
    await expect(bus.request("quote", "AAPL")).resolves.toEqual({ px: 2, asked: "AAPL" });
    const request = tracing.span("request quote");
    expect(request.kind).toBe(SpanKind.CLIENT);
    expect(request.status.code).toBe(SpanStatusCode.UNSET);
    expect(parentOf(tracing.span("process quote"))).toBe(contextOf(request).spanId);
  });

  it("marks a request's span failed with the bus's error when it gets no reply", async () => {
    tracing = registerTracing();
    const bus = createBus();
    bus.subscribe("quote", () => undefined);
    await expect(bus.request("quote", "AAPL")).rejects.toMatchObject({ code: "NO_REPLY" });
    await new Promise((resolve) => setImmediate(resolve));
    const request = tracing.span("request quote");
    expect(request.status.code).toBe(SpanStatusCode.ERROR);
    expect(request.attributes["error.type"]).toBe("NO_REPLY");
  });

  it("uses the host's propagator when one is registered, and still writes traceparent for other buses", async () => {
    tracing = registerTracing();
    const custom: TextMapPropagator = {
      inject: (ctx, carrier: Record<string, string>) => {
        const span = trace.getSpanContext(ctx);
        if (span !== undefined) carrier["x-host-trace"] = span.traceId;
      },
      extract: (ctx) => ctx,
      fields: () => ["x-host-trace"],
    };
    propagation.setGlobalPropagator(custom);
    const bus = createBus();
    const got: Message[] = [];
    bus.subscribe("t", (message) => void got.push(message));
    await bus.publish("t", 1);
    await bus.flush();
    const publish = tracing.span("publish t");
    expect(got[0]?.headers?.["x-host-trace"]).toBe(contextOf(publish).traceId);
    expect(parentOf(tracing.span("process t"))).toBe(contextOf(publish).spanId);
  });

  it("records nothing and adds no header while no tracer provider is registered", async () => {
    const bus = createBus();
    const got: Message[] = [];
    bus.subscribe("t", (message) => void got.push(message));
    await bus.publish("t", 1);
    await bus.publish("t", 2, { headers: { a: "b" } });
    await bus.flush();
    expect(got.map((message) => message.headers)).toEqual([undefined, { a: "b" }]);
    // a provider registered later is seen by the next publish
    tracing = registerTracing();
    await bus.publish("t", 3);
    await bus.flush();
    expect(got[2]?.headers?.["traceparent"]).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(tracing.spans().map((span) => span.name)).toEqual(["publish t", "process t"]);
  });

  it("does nothing for tracing on a bus created with tracing: false, provider or not", async () => {
    tracing = registerTracing();
    const bus = createBus({ tracing: false });
    const got: Message[] = [];
    bus.subscribe("t", (message) => void got.push(message));
    await bus.publish("t", 1);
    await bus.flush();
    expect(got[0]?.headers).toBeUndefined();
    expect(tracing.spans()).toEqual([]);
  });

  it("refuses a tracing option that is not a boolean, naming it", () => {
    expect(() => createBus({ tracing: "yes" as never })).toThrow(/expected `tracing` to be a boolean, got "yes"/);
  });
});

describe("bus tracing, in process: a handler that forwards the headers it received", () => {
  it("replaces the upstream traceparent, so the next handler's span is the child of the re-publish", async () => {
    tracing = registerTracing();
    const bus = createBus();
    bus.subscribe("a", async (message) => {
      await bus.publish("b", 1, { headers: message.headers ?? {} });
    });
    const got: Message[] = [];
    bus.subscribe("b", (message) => void got.push(message));
    await bus.publish("a", 1, { headers: { "x-user": "u1" } });
    await bus.flush();
    await bus.flush();
    const first = tracing.span("publish a");
    const forward = tracing.span("publish b");
    expect(parentOf(forward)).toBe(contextOf(tracing.span("process a")).spanId);
    expect(parentOf(tracing.span("process b"))).toBe(contextOf(forward).spanId);
    expect(parentOf(tracing.span("process b"))).not.toBe(contextOf(first).spanId);
    expect(got[0]?.headers).toEqual({ "x-user": "u1", traceparent: `00-${contextOf(forward).traceId}-${contextOf(forward).spanId}-01` });
  });

  it("replaces a caller's traceparent and tracestate in any letter case, in a request too, and keeps the other headers", async () => {
    tracing = registerTracing();
    const bus = createBus();
    const got: Message[] = [];
    bus.subscribe("quote", (message) => {
      got.push(message);
      return 2;
    });
    const stale = `00-${"a".repeat(32)}-${"b".repeat(16)}-01`;
    const headers = { Traceparent: stale, TRACESTATE: "k=v", "x-user": "u1" };
    await expect(bus.request("quote", 1, { headers })).resolves.toBe(2);
    const request = tracing.span("request quote");
    expect(got[0]?.headers).toEqual({ "x-user": "u1", traceparent: `00-${contextOf(request).traceId}-${contextOf(request).spanId}-01` });
    expect(parentOf(tracing.span("process quote"))).toBe(contextOf(request).spanId);
    expect(headers).toEqual({ Traceparent: stale, TRACESTATE: "k=v", "x-user": "u1" });
  });
});

describe("bus tracing, in process: a publish nobody receives", () => {
  it("still makes the publish's span while a provider is registered", async () => {
    tracing = registerTracing();
    const bus = createBus();
    await bus.publish("audit.nobody", 1);
    expect(tracing.span("publish audit.nobody").kind).toBe(SpanKind.PRODUCER);
  });
});
