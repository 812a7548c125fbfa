import type { Subscription } from "../bus/Bus.js";
import type { AgentBus } from "./AgentBus.js";

/**
 * A subscription made through an {@link AgentBus}: ending it ends the inner one
 * and unlinks it from the view's list (a list threaded through the
 * subscriptions themselves: no set per view, O(1) to add and remove).
 */
export class AgentSubscription implements Subscription {
  #view: AgentBus | undefined;
  readonly #inner: Subscription;
  /** The view's next older live subscription. */
  older: AgentSubscription | undefined;
  /** The view's next newer live subscription. */
  newer: AgentSubscription | undefined;

  constructor(view: AgentBus, inner: Subscription, older: AgentSubscription | undefined) {
    this.#view = view;
    this.#inner = inner;
    this.older = older;
    if (older !== undefined) older.newer = this;
  }

  /** Take this subscription out of its view's list. */
  unlink(): void {
    if (this.older !== undefined) this.older.newer = this.newer;
    if (this.newer !== undefined) this.newer.older = this.older;
    this.older = undefined;
    this.newer = undefined;
  }

  unsubscribe(): void | Promise<void> {
    const view = this.#view;
    if (view === undefined) return;
    this.#view = undefined;
    view.forget(this);
    return this.#inner.unsubscribe();
  }
}
