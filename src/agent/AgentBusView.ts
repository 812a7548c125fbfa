import type { Bus, DisposableSubscription, MessageHandler, PayloadOf, SubscribeOptions, TopicMap } from "../bus/Bus.js";

/**
 * An agent's `this.bus`: a {@link Bus} typed by the agent's topic map, whose
 * subscriptions a `using` block can end (`using sub = this.bus.subscribe(...)`
 * inside `onCron`, say). Subscriptions made through it end with the
 * incarnation anyway; handler errors are the agent's crashes.
 */
export interface AgentBusView<Topics extends object = TopicMap> extends Bus<Topics> {
  /** {@link Bus.subscribe}, returning a subscription that `using` can end. */
  subscribe<Pattern extends string>(
    pattern: Pattern,
    handler: MessageHandler<PayloadOf<Topics, Pattern>>,
    options?: SubscribeOptions,
  ): DisposableSubscription;
}
