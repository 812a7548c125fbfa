import { describe, expect, it } from "vitest";
import { createBus } from "../../src/bus/createBus.js";
import { PendingRequest } from "../../src/bus/delivery/PendingRequest.js";
import { BusError } from "../../src/errors/BusError.js";
import { FakeBus } from "../../src/testing/FakeBus.js";
import { ManualClock } from "../../src/testing/ManualClock.js";
import { gate, track } from "../helpers/promises.js";

/** A signal whose `abort` listeners are counted as the bus adds and removes them. */
function watchedSignal(): { controller: AbortController; signal: AbortSignal; readonly added: number; readonly listening: number } {
  const controller = new AbortController();
  const signal = controller.signal;
  const live = new Set<unknown>();
  let added = 0;
  const add = signal.addEventListener.bind(signal);
  const remove = signal.removeEventListener.bind(signal);
  Object.assign(signal, {
    addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: AddEventListenerOptions | boolean): void {
      if (type === "abort") {
        added++;
        live.add(listener);
      }
      add(type, listener, options);
    },
    removeEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: EventListenerOptions | boolean): void {
      if (type === "abort") live.delete(listener);
      remove(type, listener, options);
    },
  });
  return {
    controller,
    signal,
    get added() {
      return added;
    },
    get listening() {
      return live.size;
    },
  };
}

describe("createBus: request with a signal", () => {
  it("rejects at once with REQUEST_ABORTED, the reason as cause, and frees its timeout entry and timer", async () => {
    const clock = new ManualClock();
    const bus = createBus({ clock });
    const hold = gate();
    let started = false;
    bus.subscribe("slow.quote", () => {
      started = true;
      return hold.promise.then(() => "late");
    });
    const watched = watchedSignal();
    const request = track(bus.request("slow.quote", 1, { timeoutMs: 60_000, signal: watched.signal }));
    while (!started) await Promise.resolve();
    expect(clock.pending).toBe(1);
    expect(watched.listening).toBe(1);
    const reason = new Error("the caller gave up");
    watched.controller.abort(reason);
    await Promise.resolve();
    const error = (request.outcome as { error: BusError }).error;
    expect(error).toBeInstanceOf(BusError);
    expect(error).toMatchObject({ code: "REQUEST_ABORTED", topic: "slow.quote", cause: reason });
    expect(error.message).toBe('Request on "slow.quote" abandoned: its signal aborted before a reply came');
    expect(clock.pending).toBe(0);
    expect(watched.listening).toBe(0);
    // the reply that comes now is dropped: the handler call is counted, the outcome stays
    hold.release();
    await bus.flush();
    expect(request.outcome).toEqual({ error });
    expect(bus.stats()).toMatchObject({ published: 1, delivered: 1, handlerErrors: 0, pending: 0 });
  });

  it("rejects a signal aborted already without sending: no handler runs and nothing is published or timed", async () => {
    const clock = new ManualClock();
    const bus = createBus({ clock });
    let calls = 0;
    bus.subscribe("asked", () => {
      calls++;
      return "answer";
    });
    const signal = AbortSignal.abort("stop");
    await expect(bus.request("asked", 1, { signal })).rejects.toMatchObject({
      code: "REQUEST_ABORTED",
      cause: "stop",
      message: 'Request on "asked" not sent: its signal was aborted already',
    });
    // before NO_RESPONDERS: nothing is looked up for a request that will not be sent
    await expect(bus.request("nobody.home", 1, { signal })).rejects.toMatchObject({ code: "REQUEST_ABORTED" });
    await bus.flush();
    expect(calls).toBe(0);
    expect(bus.stats().published).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it("removes its listener when answered, when no handler replies and when it times out", async () => {
    const clock = new ManualClock();
    const bus = createBus({ clock });
    const watched = watchedSignal();
    bus.subscribe("echo", (message) => message.payload);
    bus.subscribe("mute", () => undefined);
    const hold = gate();
    bus.subscribe("stuck", () => hold.promise);
    expect(await bus.request("echo", 7, { signal: watched.signal })).toBe(7);
    await expect(bus.request("mute", 1, { signal: watched.signal })).rejects.toMatchObject({ code: "NO_REPLY" });
    const timedOut = track(bus.request("stuck", 1, { signal: watched.signal, timeoutMs: 100 }));
    await clock.advance(100);
    expect(timedOut.outcome).toMatchObject({ error: { code: "REQUEST_TIMEOUT" } });
    expect(watched.added).toBe(3);
    expect(watched.listening).toBe(0);
    // aborting the signal now settles nothing (every request on it has settled)
    watched.controller.abort();
    hold.release();
    await bus.flush();
  });

  it("registers no listener and allocates no watch for a request without a signal", async () => {
    const bus = createBus();
    bus.subscribe("echo", (message) => message.payload);
    const watched = watchedSignal();
    expect(await bus.request("echo", 1)).toBe(1);
    expect(await bus.request("echo", 2, { timeoutMs: 1_000 })).toBe(2);
    expect(watched.added).toBe(0);
  });

  it("refuses a signal that is not an AbortSignal with INVALID_OPTION naming it, the value and what was expected", async () => {
    const bus = createBus();
    bus.subscribe("asked", () => "answer");
    const refused = bus.request("asked", 1, { signal: "soon" as unknown as AbortSignal });
    await expect(refused).rejects.toBeInstanceOf(BusError);
    await expect(refused).rejects.toMatchObject({ code: "INVALID_OPTION", topic: "asked" });
    await expect(refused).rejects.toThrow(/`signal`.*an AbortSignal.*"soon"/);
  });

  it("works the same through FakeBus", async () => {
    const bus = new FakeBus();
    const hold = gate();
    bus.subscribe("slow", () => hold.promise.then(() => "late"));
    const controller = new AbortController();
    const request = bus.request("slow", 1, { signal: controller.signal });
    controller.abort(new Error("enough"));
    await expect(request).rejects.toMatchObject({ code: "REQUEST_ABORTED" });
    hold.release();
    await bus.flush();
    expect(bus.errors).toEqual([]);
    expect(bus.published).toHaveLength(1);
  });
});

describe("PendingRequest: abortOn", () => {
  it("rejects with REQUEST_ABORTED, calls onEnd once and removes its listener on every outcome", async () => {
    const clock = new ManualClock();
    let ended = 0;
    const aborted = watchedSignal();
    const request = new PendingRequest("q", clock, () => ended++);
    request.startTimeout(1_000);
    request.abortOn(aborted.signal);
    aborted.controller.abort("why");
    await expect(request.result).rejects.toMatchObject({ code: "REQUEST_ABORTED", topic: "q", cause: "why" });
    expect({ ended, listening: aborted.listening, timers: clock.pending }).toEqual({ ended: 1, listening: 0, timers: 0 });

    const answered = watchedSignal();
    const other = new PendingRequest("q", clock, () => ended++);
    other.abortOn(answered.signal);
    other.resolve("yes");
    expect(await other.result).toBe("yes");
    expect(answered.listening).toBe(0);
    answered.controller.abort();
    expect(ended).toBe(2);
  });
});
