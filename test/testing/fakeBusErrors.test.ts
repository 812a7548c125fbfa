// What lands in FakeBus.errors, and when: the behaviour docs/testing.md, docs/bus.md and the TSDoc describe.
import { describe, expect, test } from "vitest";
import { Agent } from "../../src/agent/Agent.js";
import { FakeBus } from "../../src/testing/FakeBus.js";
import { ManualClock } from "../../src/testing/ManualClock.js";
import { testAgent } from "../../src/testing/testAgent.js";

describe("FakeBus.errors", () => {
  test("records every handler error of a subscription made on it, before the subscription's own onError sees it", async () => {
    const bus = new FakeBus();
    const order: string[] = [];
    const failure = new Error("bad quantity");
    bus.subscribe(
      "orders.new",
      () => {
        throw failure;
      },
      { onError: (error) => order.push(`onError saw ${String(error)}; errors: ${bus.errors.length}`) },
    );
    await bus.deliver("orders.new", { qty: 0 });
    expect(bus.errors).toEqual([failure]);
    expect(order).toEqual(["onError saw Error: bad quantity; errors: 1"]);
  });

  test("records an error when the handler settles: after publish() only once flushed, by the time deliver() resolves", async () => {
    const clock = new ManualClock(0);
    const bus = new FakeBus({ clock });
    bus.subscribe("jobs.run", async () => {
      await new Promise<void>((resolve) => clock.setTimeout(resolve, 1_000));
      throw new Error("late failure");
    });
    await bus.publish("jobs.run", 1);
    expect(bus.errors).toEqual([]);
    await clock.advance(1_000);
    await bus.flush();
    expect(bus.errors.map(String)).toEqual(["Error: late failure"]);
  });

  test("holds handler errors only: not refused publishes, failed requests, or an error thrown by onError itself", async () => {
    const bus = new FakeBus();
    await expect(bus.publish("bad..topic", 1)).rejects.toMatchObject({ code: "INVALID_TOPIC" });
    await expect(bus.request("nobody.home", 1)).rejects.toMatchObject({ code: "NO_RESPONDERS" });
    const handlerError = new Error("handler");
    const written: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => void written.push(args);
    try {
      bus.subscribe(
        "x",
        () => {
          throw handlerError;
        },
        {
          onError: () => {
            throw new Error("onError itself");
          },
        },
      );
      await bus.deliver("x", 1);
    } finally {
      console.error = original;
    }
    expect(bus.errors).toEqual([handlerError]);
  });

  test("under testAgent, an agent's handler error is in bus.errors and, as the crash it would be, in crashes", async () => {
    class Failing extends Agent {
      override start(): void {
        this.bus.subscribe("orders.new", () => {
          throw new Error("cannot book");
        });
      }
    }
    const { bus, crashes } = await testAgent(Failing);
    await bus.deliver("orders.new", 1);
    expect(bus.errors.map(String)).toEqual(["Error: cannot book"]);
    expect(crashes).toEqual(bus.errors);
  });

  test("clear() empties it", async () => {
    const bus = new FakeBus();
    bus.subscribe("x", () => {
      throw new Error("x");
    });
    await bus.deliver("x", 1);
    bus.clear();
    expect(bus.errors).toEqual([]);
  });
});
