import type { LeaseView } from "../lease/LeaseStore.js";
import type { AgentContext } from "../agent/AgentContext.js";
import { ScopedClock } from "../agent/ScopedClock.js";
import { systemClock } from "../clock.js";
import type { Logger } from "../logger.js";
import type { FromThread, WireLogLevel } from "./protocol.js";
import type { ThreadBus } from "./ThreadBus.js";
import { toWireError, toWireFields } from "./wireError.js";

/**
 * The {@link AgentContext} of an agent in its thread: the same API as in
 * process, each part carried over the port. `log` entries (an Error in their
 * fields crosses with its class and `code`), `heartbeat()` (at
 * most one `beat` frame per turn) and `fail()` go to the main thread; `signal`
 * is aborted when the main thread says the incarnation ends; `clock` is the
 * system clock, its timers cleared with {@link ThreadContext.close}.
 */
export class ThreadContext implements AgentContext {
  readonly name: string;
  readonly bus: ThreadBus;
  readonly log: Logger;
  readonly config: unknown;
  /** A singleton's lease as it was when the thread started (its `expiresAt` does not move on with renewals). */
  readonly lease: LeaseView | undefined;
  readonly clock = new ScopedClock(systemClock);
  readonly random = Math.random;
  readonly #send: (frame: FromThread) => void;
  readonly #controller = new AbortController();
  #beatSent = false;
  readonly #beatTurnEnded = (): void => {
    this.#beatSent = false;
  };

  /**
   * @param name - the agent's registered name
   * @param bus - the thread's bus view
   * @param config - the agent's config (its schema's output)
   * @param send - sends a frame to the main thread
   * @param lease - a singleton's lease at start
   */
  constructor(name: string, bus: ThreadBus, config: unknown, send: (frame: FromThread) => void, lease?: LeaseView) {
    this.name = name;
    this.bus = bus;
    this.config = config;
    this.lease = lease === undefined ? undefined : Object.freeze({ ...lease });
    this.#send = send;
    const at = (level: WireLogLevel) => (fields: object, message?: string): void => send({ t: "log", level, fields: toWireFields(fields), message });
    this.log = { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  heartbeat(): void {
    if (this.#beatSent) return;
    this.#beatSent = true;
    this.#send({ t: "beat" });
    queueMicrotask(this.#beatTurnEnded);
  }

  fail(error: unknown): void {
    this.#send({ t: "fail", error: toWireError(error) });
  }

  /** The incarnation is ending: abort the agent's signal with `reason`. */
  abort(reason: unknown): void {
    this.#controller.abort(reason);
  }

  /** Clear the agent's timers. */
  close(): void {
    this.clock.close();
  }
}
