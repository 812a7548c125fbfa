import { writeToConsole } from "../../errors/writeToConsole.js";
import type { DropReason, Message } from "../Bus.js";
import type { Subscriber } from "./Subscriber.js";

/**
 * Where a bus's failures go. A delivery's error goes to the subscription's
 * `onError`, else the bus's, else the console (once per subscription); a
 * throwing `onError` is contained likewise. A dropped delivery goes to the
 * bus's `onDrop`, whose throws are contained (and written once).
 */
export class FailureRouter {
  readonly #onError: ((error: unknown, message: Message) => void) | undefined;
  readonly #onDrop: ((message: Message, reason: DropReason) => void) | undefined;
  #dropReportFailed = false;

  constructor(onError: ((error: unknown, message: Message) => void) | undefined, onDrop: ((message: Message, reason: DropReason) => void) | undefined) {
    this.#onError = onError;
    this.#onDrop = onDrop;
  }

  /** A handler call of `sub` on `message` threw or rejected with `error`. */
  handlerFailed(sub: Subscriber, message: Message, error: unknown): void {
    this.route(sub, message, error, `a handler of the bus subscription ${JSON.stringify(sub.pattern)} failed on message ${message.id} (${message.topic})`, "stats().handlerErrors");
  }

  /**
   * Route `error` about `message` of `sub` to the `onError` in charge.
   *
   * @param what - what happened, for the console when no `onError` is in charge
   * @param countedIn - the counter that counts such errors, for the console (`stats().dropped`)
   */
  route(sub: Subscriber, message: Message, error: unknown, what: string, countedIn: string): void {
    const target = sub.onError ?? this.#onError;
    if (target === undefined) {
      this.report(sub, `${what} and neither the subscription nor the bus has an onError; further errors of this subscription are only counted in ${countedIn}`, error);
      return;
    }
    try {
      target(error, message);
    } catch (routeError) {
      this.report(sub, `the onError of the bus subscription ${JSON.stringify(sub.pattern)} threw while handling an error of message ${message.id} (${message.topic}); delivery goes on`, routeError);
    }
  }

  /** Write `what` and `error` to the console, unless something of `sub` was written already. */
  report(sub: Subscriber, what: string, error: unknown): void {
    if (sub.reported) return;
    sub.reported = true;
    writeToConsole(`[agent-orchestrator] ${what}:`, error);
  }

  /** Tell `onDrop` that a delivery of `message` was dropped. */
  dropped(message: Message, reason: DropReason): void {
    const onDrop = this.#onDrop;
    if (onDrop === undefined) return;
    try {
      onDrop(message, reason);
    } catch (error) {
      if (this.#dropReportFailed) return;
      this.#dropReportFailed = true;
      writeToConsole("[agent-orchestrator] the bus's onDrop threw; further onDrop errors are ignored:", error);
    }
  }
}
