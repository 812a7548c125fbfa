import assert from "node:assert/strict";
import { describeThrown } from "../../errors/describeThrown.js";
import { SOON_MS, gate, hasCode, turns, waitFor, within } from "./caseTools.js";
import type { CaseBodies } from "./cases.js";

/** Request/reply: the first reply wins; no responders, no reply and timeouts are told apart. */
export const REQUEST_REPLY_CASES: CaseBodies<"requestFirstReplyWins" | "requestNoResponders" | "requestNoReply" | "requestTimeout"> = {
  async requestFirstReplyWins({ bus }) {
    const slow = gate();
    bus.subscribe("math.add", () => undefined);
    bus.subscribe("math.add", async () => {
      await slow.promise;
      return "slow";
    });
    bus.subscribe("math.*", (message) => {
      const { a, b } = message.payload as { a: number; b: number };
      return a + b;
    });
    const reply = await within(bus.request("math.add", { a: 2, b: 3 }, { timeoutMs: 60_000 }), SOON_MS, "the first reply");
    assert.equal(reply, 5);
    slow.release();

    const later = gate();
    bus.subscribe("async.reply", async () => {
      await later.promise;
      return { ok: true };
    });
    const pending = bus.request("async.reply", null, { timeoutMs: 60_000 });
    await turns(5);
    later.release();
    assert.deepEqual(await within(pending, SOON_MS, "a reply through a promise"), { ok: true });
  },

  async requestNoResponders({ bus }) {
    bus.subscribe("somebody.else", () => "hello");
    await within(
      assert.rejects(bus.request("nobody.home", 1, { timeoutMs: 60_000 }), (error: unknown) => hasCode(error, "NO_RESPONDERS")),
      SOON_MS,
      "NO_RESPONDERS without waiting for the timeout",
    );
    const subscription = bus.subscribe("gone", () => "here");
    await subscription.unsubscribe();
    await within(
      assert.rejects(bus.request("gone", 1, { timeoutMs: 60_000 }), (error: unknown) => hasCode(error, "NO_RESPONDERS")),
      SOON_MS,
      "NO_RESPONDERS after the only subscriber left",
    );
  },

  async requestNoReply({ bus }) {
    const routed: unknown[] = [];
    bus.subscribe("silent", () => undefined);
    bus.subscribe("silent", async () => {
      await Promise.resolve();
    });
    bus.subscribe(
      "silent",
      () => {
        throw new Error("no answer");
      },
      { onError: (error) => void routed.push(error) },
    );
    await within(
      assert.rejects(bus.request("silent", 1, { timeoutMs: 60_000 }), (error: unknown) => hasCode(error, "NO_REPLY")),
      SOON_MS,
      "NO_REPLY as soon as every handler settled, without waiting for the timeout",
    );
    await bus.flush();
    assert.equal(routed.length, 1, "the handler error should still reach onError");
  },

  async requestTimeout({ bus, clock }) {
    const hold = gate();
    let started = false;
    bus.subscribe("slow.service", async () => {
      started = true;
      await hold.promise;
      return "too late";
    });
    const state: { outcome?: { value: unknown } | { error: unknown } } = {};
    const request = bus.request("slow.service", 1, { timeoutMs: 300 }).then(
      (value) => {
        state.outcome = { value };
      },
      (error: unknown) => {
        state.outcome = { error };
      },
    );
    await waitFor(() => started, "the handler to start");
    await clock.advance(299);
    assert.equal(state.outcome, undefined, "the request settled before its timeout");
    await clock.advance(1);
    // a bus on the injected clock has timed out now; one on real time does within about a second
    await within(request, 1_500, "the request to time out");
    const outcome = state.outcome as { value: unknown } | { error: unknown } | undefined;
    assert.ok(outcome !== undefined && "error" in outcome, `the request should have been rejected, got ${JSON.stringify(outcome)}`);
    assert.ok(hasCode(outcome.error, "REQUEST_TIMEOUT"), `expected REQUEST_TIMEOUT, got ${describeThrown(outcome.error)}`);
    hold.release();
  },
};
