import { describe, expectTypeOf, test } from "vitest";
import type { Bus, RequestOptions, Subscription } from "../../src/bus/Bus.js";
import { createBus } from "../../src/bus/createBus.js";
import type { NatsBus } from "../../src/nats/NatsBus.js";
import { FakeBus } from "../../src/testing/FakeBus.js";

describe("disposal and request signals: types", () => {
  test("the library's buses and their subscriptions are AsyncDisposable / Disposable", () => {
    expectTypeOf(createBus()).toMatchTypeOf<AsyncDisposable>();
    expectTypeOf(new FakeBus()).toMatchTypeOf<AsyncDisposable>();
    expectTypeOf<NatsBus>().toMatchTypeOf<AsyncDisposable>();
    expectTypeOf(createBus().subscribe("a", () => undefined)).toMatchTypeOf<Disposable>();
    expectTypeOf(new FakeBus().subscribe("a", () => undefined)).toMatchTypeOf<Disposable>();
    expectTypeOf<ReturnType<NatsBus["subscribe"]>>().toMatchTypeOf<Disposable>();
  });

  test("on the Bus and Subscription interfaces the disposal methods are optional: a Bus written without them still is one", () => {
    const subscription: Subscription = { unsubscribe: () => undefined };
    const written: Bus = {
      publish: async () => undefined,
      subscribe: () => subscription,
      request: async () => undefined,
      flush: async () => undefined,
      close: async () => undefined,
    };
    expectTypeOf(written).toMatchTypeOf<Bus>();
    // so `await using` needs the library's own type, not the interface
    expectTypeOf<Bus>().not.toMatchTypeOf<AsyncDisposable>();
    expectTypeOf<Subscription>().not.toMatchTypeOf<Disposable>();
  });

  test("`signal` is a request option, an AbortSignal", () => {
    expectTypeOf<RequestOptions["signal"]>().toEqualTypeOf<AbortSignal | undefined>();
    const bus = createBus<{ "quotes.AAPL": { size: number } }>();
    expectTypeOf(bus.request("quotes.AAPL", { size: 1 }, { signal: new AbortController().signal })).toEqualTypeOf<Promise<unknown>>();
    // @ts-expect-error a signal is an AbortSignal, not a string
    void bus.request("quotes.AAPL", { size: 1 }, { signal: "soon" });
  });
});
