import type { Message, MessageHandler, Subscription } from "../bus/Bus.js";
import { endSubscription } from "../bus/delivery/BusSubscription.js";
import { DISPOSE } from "../disposeSymbols.js";
import type { AgentBus } from "./AgentBus.js";

/**
 * A subscription made through an {@link AgentBus}: it holds the user's handler
 * and hands the inner bus {@link AgentSubscription.deliver}, which runs it
 * through the view (timed, ignored once the view is closed). Ending it ends
 * the inner one and unlinks it from the view's list (a list threaded through
 * the subscriptions themselves: no set per view, O(1) to add and remove).
 */
export class AgentSubscription implements Subscription {
  readonly #view: AgentBus;
  readonly #handler: MessageHandler;
  readonly #onError: ((error: unknown, message: Message) => void) | undefined;
  #inner: Subscription | undefined;
  #ended = false;
  /** `unsubscribe` as a function of its own, made on its first read. */
  #end: (() => void | Promise<void>) | undefined = undefined;
  /** The view's next older live subscription. */
  older: AgentSubscription | undefined;
  /** The view's next newer live subscription. */
  newer: AgentSubscription | undefined;
  /** The handler the inner bus calls: the user's, run through the view. */
  readonly deliver: MessageHandler = (message: Message) => this.#view.run(this.#handler, message, this.deliver);
  /** The `onError` the inner bus calls: the subscription's own, or the incarnation's crash (see {@link AgentBus.failed}). */
  readonly failed = (error: unknown, message: Message): void => this.#view.failed(this.#onError, error, message);

  /**
   * @param view - the view subscribed through
   * @param handler - the user's handler
   * @param onError - the subscription's own `onError`, if given
   * @param older - the view's newest live subscription until now
   */
  constructor(view: AgentBus, handler: MessageHandler, onError: ((error: unknown, message: Message) => void) | undefined, older: AgentSubscription | undefined) {
    this.#view = view;
    this.#handler = handler;
    this.#onError = onError;
    this.older = older;
    if (older !== undefined) older.newer = this;
  }

  /** The inner bus's subscription, once made. */
  attach(inner: Subscription): void {
    this.#inner = inner;
  }

  /** Take this subscription out of its view's list. */
  unlink(): void {
    if (this.older !== undefined) this.older.newer = this.newer;
    if (this.newer !== undefined) this.newer.older = this.older;
    this.older = undefined;
    this.newer = undefined;
  }

  /**
   * Stop receiving (idempotent). A getter, so that the function works detached
   * from the subscription (`signal.addEventListener("abort", sub.unsubscribe)`);
   * it is made on the first read.
   */
  get unsubscribe(): () => void | Promise<void> {
    return (this.#end ??= () => this.end());
  }

  /**
   * {@link AgentSubscription.unsubscribe}, for `using sub = this.bus.subscribe(...)`
   * in an agent. Synchronous over the library's buses; over a user's bus whose
   * `unsubscribe()` returns a promise, that promise is not waited for (nor its failure reported).
   */
  [DISPOSE](): void {
    Promise.resolve(this.end()).catch(() => undefined);
  }

  /** {@link AgentSubscription.unsubscribe}, for the view's own use (no function made). */
  end(): void | Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    this.#view.forget(this);
    const inner = this.#inner;
    return inner === undefined ? undefined : endSubscription(inner);
  }
}
