import type { Subscriber } from "./delivery/Subscriber.js";
import { TopicTrie } from "./TopicTrie.js";
import { validateTopic } from "./topic.js";

/** Topics whose routes are cached (oldest evicted first). */
const ROUTE_CACHE_SIZE = 10_000;

/** The subscriptions a topic reaches, computed once per topic and cached until subscriptions change. */
export interface Route {
  /** Subscriptions outside queue groups, in subscription order. */
  readonly plain: Subscriber[];
  /** Queue groups (by name, among subscriptions matching the topic): one member gets each message. */
  readonly groups: Subscriber[][];
  /**
   * True when a message simply goes to every subscription in `plain`: no queue
   * group to choose a member of, no subscription that refuses when full.
   */
  readonly direct: boolean;
}

/**
 * The in-process bus's routing: subscription patterns in a {@link TopicTrie},
 * and per topic the {@link Route} it reaches, cached until the subscriptions
 * change, so matching costs the same however many subscriptions other topics
 * have. Queue-group members are chosen with the bus's randomness.
 */
export class RouteTable {
  readonly #trie = new TopicTrie<Subscriber>();
  readonly #routes = new Map<string, Route>();
  readonly #random: () => number;
  /** The last topic looked up and its route: a repeated topic skips the map lookup. */
  #lastTopic: string | undefined = undefined;
  #lastRoute: Route | undefined = undefined;

  /** @param random - randomness for queue-group member choice, in [0, 1) */
  constructor(random: () => number) {
    this.#random = random;
  }

  /** Route messages matching `sub`'s pattern to it. */
  add(sub: Subscriber): void {
    this.#trie.add(sub.tokens, sub);
    this.#forget();
  }

  /** Route nothing more to `sub`. */
  remove(sub: Subscriber): void {
    this.#trie.remove(sub.tokens, sub);
    this.#forget();
  }

  /**
   * The route of `topic`.
   *
   * @throws BusError `INVALID_TOPIC` for a malformed topic
   */
  find(topic: string): Route {
    const last = this.#lastRoute;
    if (topic === this.#lastTopic && last !== undefined) return last;
    const route = this.#routes.get(topic) ?? this.#compute(topic);
    this.#lastTopic = topic;
    this.#lastRoute = route;
    return route;
  }

  /** The subscriptions one message on `route` goes to: every plain one and one member per queue group. */
  targets(route: Route): Subscriber[] {
    const targets = route.plain.slice();
    for (const members of route.groups) {
      const pick = Math.floor(this.#random() * members.length);
      targets.push(members[Math.min(Math.max(pick, 0), members.length - 1)] as Subscriber);
    }
    return targets;
  }

  #compute(topic: string): Route {
    const tokens = validateTopic(topic);
    const matched = this.#trie.match(tokens).sort(bySubscription);
    const plain: Subscriber[] = [];
    const groups = new Map<string, Subscriber[]>();
    let direct = true;
    for (const sub of matched) {
      if (sub.queue === undefined) {
        plain.push(sub);
        if (sub.refusesWhenFull) direct = false;
        continue;
      }
      direct = false;
      const members = groups.get(sub.queue);
      if (members === undefined) groups.set(sub.queue, [sub]);
      else members.push(sub);
    }
    const route: Route = { plain, groups: [...groups.values()], direct };
    if (this.#routes.size >= ROUTE_CACHE_SIZE) {
      const oldest = this.#routes.keys().next();
      if (oldest.done !== true) this.#routes.delete(oldest.value);
    }
    this.#routes.set(topic, route);
    return route;
  }

  #forget(): void {
    this.#routes.clear();
    this.#lastTopic = undefined;
    this.#lastRoute = undefined;
  }
}

function bySubscription(a: Subscriber, b: Subscriber): number {
  return a.id - b.id;
}
