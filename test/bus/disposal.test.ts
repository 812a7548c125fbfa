import { Script } from "node:vm";
import { describe, expect, it } from "vitest";
import { AgentBus } from "../../src/agent/AgentBus.js";
import { createBus } from "../../src/bus/createBus.js";
import { ASYNC_DISPOSE, DISPOSE } from "../../src/disposeSymbols.js";
import type { InProcessBus } from "../../src/bus/InProcessBus.js";
import { AgentCounters } from "../../src/stats/AgentCounters.js";
import { FakeBus } from "../../src/testing/FakeBus.js";
import { ManualClock } from "../../src/testing/ManualClock.js";

/** Whether this Node.js parses `using` declarations natively (Node.js 24 does; 20 and 22 do not). */
function parsesUsing(): boolean {
  try {
    return new Script("{ using resource = null; }") instanceof Script;
  } catch {
    return false;
  }
}

describe("disposal symbols", () => {
  it("are the runtime's Symbol.dispose and Symbol.asyncDispose (Node's own registered symbols on Node.js 20 and 22)", () => {
    expect(DISPOSE).toBe(Symbol.dispose);
    expect(ASYNC_DISPOSE).toBe(Symbol.asyncDispose);
    expect(typeof DISPOSE).toBe("symbol");
    expect(typeof ASYNC_DISPOSE).toBe("symbol");
  });
});

describe("createBus: disposal", () => {
  it("[Symbol.asyncDispose]() closes the bus: pending messages are handled, then it refuses; idempotent with close()", async () => {
    const bus = createBus({ clock: new ManualClock() });
    const got: unknown[] = [];
    bus.subscribe("a", (message) => void got.push(message.payload));
    await bus.publish("a", 1);
    const disposing = bus[Symbol.asyncDispose]();
    expect(bus.close()).toBe(disposing);
    await disposing;
    expect(got).toEqual([1]);
    await expect(bus.publish("a", 2)).rejects.toMatchObject({ code: "BUS_CLOSED" });
    expect(bus[Symbol.asyncDispose]()).toBe(disposing);
  });

  it("a subscription's [Symbol.dispose]() unsubscribes at once, dropping and counting what was pending; idempotent", async () => {
    const bus = createBus();
    const got: unknown[] = [];
    const sub = bus.subscribe("a", (message) => void got.push(message.payload));
    void bus.publish("a", 1); // queued, not yet handled: the drain runs after this synchronous turn
    sub[Symbol.dispose]();
    expect(sub.active).toBe(false);
    expect(bus.stats().dropped).toBe(1);
    sub[Symbol.dispose]();
    sub.unsubscribe();
    await bus.publish("a", 2);
    await bus.flush();
    expect(got).toEqual([]);
  });

  it("`await using` and `using` close the bus and end the subscription at the end of the block (TypeScript syntax, lowered by the compiler: runs on every Node.js)", async () => {
    const got: unknown[] = [];
    let outer: InProcessBus | undefined;
    {
      await using bus = createBus();
      outer = bus;
      {
        using sub = bus.subscribe("a", (message) => void got.push(message.payload));
        expect(sub.active).toBe(true);
        await bus.publish("a", 1);
        await bus.flush();
      }
      await bus.publish("a", 2);
      await bus.flush();
    }
    expect(got).toEqual([1]);
    await expect(outer.publish("a", 3)).rejects.toMatchObject({ code: "BUS_CLOSED" });
  });

  // Registered only where the running Node.js parses `using` itself (24 and later): on Node.js 20 and 22
  // the syntax is a SyntaxError, and the test above (compiled syntax) covers the same behaviour.
  if (parsesUsing()) {
    it("native `await using` / `using` (registered only on a Node.js that parses them) close the bus and end the subscription", async () => {
      const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (...args: string[]) => (...values: unknown[]) => Promise<unknown>;
      const run = new AsyncFunction(
        "createBus",
        `const got = [];
         let outer;
         {
           await using bus = createBus();
           outer = bus;
           {
             using sub = bus.subscribe("a", (message) => void got.push(message.payload));
             await bus.publish("a", 1);
             await bus.flush();
           }
           await bus.publish("a", 2);
           await bus.flush();
         }
         const closed = await outer.publish("a", 3).then(() => "open", (error) => error.code);
         return { got, closed };`,
      );
      expect(await run(createBus)).toEqual({ got: [1], closed: "BUS_CLOSED" });
    });
  }
});

describe("FakeBus: disposal", () => {
  it("[Symbol.asyncDispose]() closes it as close() does, and its subscriptions dispose as the in-process bus's do", async () => {
    const bus = new FakeBus();
    const sub = bus.subscribe("a", () => undefined);
    sub[Symbol.dispose]();
    expect(bus.patterns()).toEqual([]);
    await bus[Symbol.asyncDispose]();
    await expect(bus.publish("a", 1)).rejects.toMatchObject({ code: "BUS_CLOSED" });
    await bus.close();
  });
});

describe("an agent's bus view", () => {
  function view(): { bus: InProcessBus; agentBus: AgentBus } {
    const bus = createBus({ clock: new ManualClock(0) });
    return { bus, agentBus: new AgentBus(bus, "feed", new AgentCounters(), { onHandlerError: () => undefined }) };
  }

  it("gives subscriptions a [Symbol.dispose]() that ends them and takes them off the view", async () => {
    const { bus, agentBus } = view();
    const got: unknown[] = [];
    const sub = agentBus.subscribe("a", (message) => void got.push(message.payload));
    const dispose = sub[Symbol.dispose];
    expect(typeof dispose).toBe("function");
    dispose?.call(sub);
    expect(agentBus.subscriptionCount).toBe(0);
    expect(bus.patterns()).toEqual([]);
    await bus.publish("a", 1);
    await bus.flush();
    expect(got).toEqual([]);
  });

  it("passes a request's signal through: aborting rejects with REQUEST_ABORTED", async () => {
    const { bus, agentBus } = view();
    let release!: () => void;
    bus.subscribe("slow", () => new Promise<string>((resolve) => (release = () => resolve("late"))));
    const controller = new AbortController();
    const request = agentBus.request("slow", 1, { signal: controller.signal });
    controller.abort("stop");
    await expect(request).rejects.toMatchObject({ code: "REQUEST_ABORTED", cause: "stop" });
    await Promise.resolve();
    release();
    await bus.flush();
  });
});
