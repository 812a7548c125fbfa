// The Bus interface is the extension point: anything that implements it can
// carry the agents' messages. This one wraps another bus and logs every publish,
// request and subscription, without changing what the inner bus guarantees.
import type {
  Bus,
  BusStats,
  MessageHandler,
  PublishOptions,
  RequestOptions,
  SubscribeOptions,
  Subscription,
} from "../../src/index.js";

/** Where the wrapper writes its lines. */
export type Sink = (line: string) => void;

export class LoggingBus implements Bus {
  readonly #inner: Bus;
  readonly #sink: Sink;

  constructor(inner: Bus, sink: Sink = (line) => console.log(line)) {
    this.#inner = inner;
    this.#sink = sink;
  }

  async publish(topic: string, payload: unknown, options?: PublishOptions): Promise<void> {
    this.#sink(`publish ${topic}${options?.source === undefined ? "" : ` from ${options.source}`} ${JSON.stringify(payload)}`);
    await this.#inner.publish(topic, payload, options);
  }

  subscribe(pattern: string, handler: MessageHandler, options?: SubscribeOptions): Subscription {
    this.#sink(`subscribe ${pattern}${options?.queue === undefined ? "" : ` (queue ${options.queue})`}`);
    const subscription = this.#inner.subscribe(pattern, handler, options);
    return {
      unsubscribe: () => {
        this.#sink(`unsubscribe ${pattern}`);
        return subscription.unsubscribe();
      },
    };
  }

  async request(topic: string, payload: unknown, options?: RequestOptions): Promise<unknown> {
    this.#sink(`request ${topic} ${JSON.stringify(payload)}`);
    const reply = await this.#inner.request(topic, payload, options);
    this.#sink(`reply ${topic} ${JSON.stringify(reply)}`);
    return reply;
  }

  flush(): Promise<void> {
    return this.#inner.flush();
  }

  close(): Promise<void> {
    return this.#inner.close();
  }

  // counters for the orchestrator's metrics: the inner bus's, when it keeps them
  stats(): BusStats {
    return this.#inner.stats?.() ?? { published: 0, delivered: 0, dropped: 0, pending: 0, handlerErrors: 0 };
  }
}
