import type { Subscription } from "../Bus.js";
import type { Subscriber } from "./Subscriber.js";

/** The handle `subscribe` returns on the library's buses. */
export interface BusSubscription extends Subscription {
  /** The pattern subscribed to. */
  readonly pattern: string;
  /** The queue group joined, if any. */
  readonly queue: string | undefined;
  /** Messages waiting for this subscription's handler now. */
  readonly pending: number;
  /** False once unsubscribed. */
  readonly active: boolean;
  /** Stop receiving; pending messages are dropped and counted (reason `unsubscribed`). Idempotent. */
  unsubscribe(): void;
}

/** The handle of `sub`; `unsubscribe` is the bus's own. */
export function subscriptionHandle(sub: Subscriber, unsubscribe: () => void): BusSubscription {
  return {
    pattern: sub.pattern,
    queue: sub.queue,
    get pending() {
      return sub.pending.length;
    },
    get active() {
      return !sub.detached;
    },
    unsubscribe,
  };
}
