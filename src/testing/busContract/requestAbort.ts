import assert from "node:assert/strict";
import { describeThrown } from "../../errors/describeThrown.js";
import { SOON_MS, gate, hasCode, waitFor, within } from "./caseTools.js";
import type { CaseBodies } from "./cases.js";

/** The `signal` option of `request`: aborting rejects at once, an aborted signal sends nothing, and no listener is left behind. */
export const REQUEST_ABORT_CASES: CaseBodies<"requestAborted" | "requestAbortedAlready" | "requestSignalReleased"> = {
  async requestAborted({ bus }) {
    const hold = gate();
    let started = false;
    bus.subscribe("slow.quote", async () => {
      started = true;
      await hold.promise;
      return "too late";
    });
    const controller = new AbortController();
    const state: { outcome?: { value: unknown } | { error: unknown } } = {};
    const request = bus.request("slow.quote", 1, { timeoutMs: 60_000, signal: controller.signal }).then(
      (value) => {
        state.outcome = { value };
      },
      (error: unknown) => {
        state.outcome = { error };
      },
    );
    await waitFor(() => started, "the handler to start");
    const reason = new Error("the caller gave up");
    controller.abort(reason);
    await within(request, SOON_MS, "REQUEST_ABORTED without waiting for the timeout");
    const outcome = state.outcome as { value: unknown } | { error: unknown } | undefined;
    assert.ok(outcome !== undefined && "error" in outcome, `the request should have been rejected, got ${JSON.stringify(outcome)}`);
    assert.ok(hasCode(outcome.error, "REQUEST_ABORTED"), `expected REQUEST_ABORTED, got ${describeThrown(outcome.error)}`);
    assert.equal((outcome.error as { cause?: unknown }).cause, reason, "the error's cause should be the signal's reason");
    // the reply that comes now is ignored, and the bus goes on answering
    hold.release();
    await bus.flush();
    bus.subscribe("quick.quote", () => 42);
    const reply = await within(bus.request("quick.quote", 1, { timeoutMs: 60_000, signal: new AbortController().signal }), SOON_MS, "a reply after an aborted request");
    assert.equal(reply, 42);
  },

  async requestAbortedAlready({ bus }) {
    let calls = 0;
    bus.subscribe("never.asked", () => {
      calls++;
      return "an answer";
    });
    const controller = new AbortController();
    controller.abort("stop");
    await within(
      assert.rejects(
        bus.request("never.asked", 1, { timeoutMs: 60_000, signal: controller.signal }),
        (error: unknown) => hasCode(error, "REQUEST_ABORTED") && (error as { cause?: unknown }).cause === "stop",
        "a request whose signal is aborted already should reject with REQUEST_ABORTED, the signal's reason as cause",
      ),
      SOON_MS,
      "REQUEST_ABORTED for a signal aborted already",
    );
    await bus.flush();
    assert.equal(calls, 0, "a request whose signal is aborted already must not be sent");
  },

  async requestSignalReleased({ bus }) {
    const signal = new AbortController().signal;
    const listening = new Set<unknown>();
    const add = signal.addEventListener.bind(signal);
    const remove = signal.removeEventListener.bind(signal);
    // the signal's own methods, watched: what a request registers on it and takes back
    Object.assign(signal, {
      addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: AddEventListenerOptions | boolean): void {
        if (type === "abort") listening.add(listener);
        add(type, listener, options);
      },
      removeEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: EventListenerOptions | boolean): void {
        if (type === "abort") listening.delete(listener);
        remove(type, listener, options);
      },
    });
    bus.subscribe("echo", (message) => message.payload);
    bus.subscribe("mute", () => undefined);
    for (let i = 0; i < 3; i++) {
      assert.equal(await within(bus.request("echo", i, { timeoutMs: 60_000, signal }), SOON_MS, "a reply"), i);
    }
    await within(
      assert.rejects(bus.request("mute", 1, { timeoutMs: 60_000, signal }), (error: unknown) => hasCode(error, "NO_REPLY")),
      SOON_MS,
      "NO_REPLY",
    );
    assert.equal(listening.size, 0, `a settled request should remove its listener from its signal; ${listening.size} left on a signal shared by 4 settled requests`);
  },
};
