import type { Subscriber } from "./delivery/Subscriber.js";
import { TopicTrie } from "./TopicTrie.js";
import { SINGLE_WILDCARD, TAIL_WILDCARD, validateTopic } from "./topic.js";

/** Topics whose routes are cached (oldest evicted first). */
const ROUTE_CACHE_SIZE = 10_000;

/** The subscriptions a topic reaches, computed once per topic and cached until a subscription matching it changes. */
export interface Route {
  /** The topic routed. */
  readonly topic: string;
  /** Its tokens. */
  readonly tokens: readonly string[];
  /** Subscriptions outside queue groups, in subscription order. */
  readonly plain: Subscriber[];
  /** Queue groups (by name, among subscriptions matching the topic): one member gets each message. */
  readonly groups: Subscriber[][];
  /**
   * The queue-group members with an admission check (`Subscriber.admit`), in
   * subscription order: each is asked about every message on the route,
   * whichever member is chosen, so that whether a payload is refused never
   * depends on the draw. Empty on most routes.
   */
  readonly admitting: readonly Subscriber[];
  /**
   * True when a message simply goes to every subscription in `plain`: no queue
   * group to choose a member of, no subscription that may refuse it (one that
   * refuses when full, or one with an admission check: see `Subscriber.mayRefuse`).
   */
  readonly direct: boolean;
}

/**
 * The in-process bus's routing: subscription patterns in a {@link TopicTrie},
 * and per topic the {@link Route} it reaches, cached, so matching costs the
 * same however many subscriptions other topics have. A subscribe or an
 * unsubscribe forgets only the cached routes its pattern matches (one map entry
 * for a pattern without wildcards). Queue-group members are chosen with the
 * bus's randomness; the members with an admission check are listed apart
 * ({@link Route.admitting}), since each is asked whichever member is chosen.
 */
export class RouteTable {
  readonly #trie = new TopicTrie<Subscriber>();
  readonly #routes = new Map<string, Route>();
  readonly #random: () => number;
  /** The last topic looked up and its route: a repeated topic skips the map lookup. */
  #lastTopic: string | undefined = undefined;
  #lastRoute: Route | undefined = undefined;
  #computed = 0;
  #version = 0;

  /** @param random - randomness for queue-group member choice, in [0, 1) */
  constructor(random: () => number) {
    this.#random = random;
  }

  /** Routes computed so far (a cached route is not counted again): how tests see what a change invalidated. */
  get computed(): number {
    return this.#computed;
  }

  /** Incremented by every {@link RouteTable.add} and {@link RouteTable.remove}: what was derived from the subscriptions at one version holds until it changes. */
  get version(): number {
    return this.#version;
  }

  /** Route messages matching `sub`'s pattern to it. */
  add(sub: Subscriber): void {
    this.#trie.add(sub.tokens, sub);
    this.#version++;
    this.#forget(sub);
  }

  /** Route nothing more to `sub`. */
  remove(sub: Subscriber): void {
    this.#trie.remove(sub.tokens, sub);
    this.#version++;
    this.#forget(sub);
  }

  /**
   * How many subscriptions match `topic`, without caching its route (for a
   * caller that asks once per {@link RouteTable.version} about many topics).
   *
   * @throws BusError `INVALID_TOPIC` for a malformed topic
   */
  count(topic: string): number {
    return this.#trie.match(validateTopic(topic)).length;
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

  /**
   * The subscriptions one message on `route` goes to, written into `out` from
   * index 0: every plain one and one member per queue group. Returns how many.
   */
  targets(route: Route, out: Array<Subscriber | undefined>): number {
    const plain = route.plain;
    let count = 0;
    for (; count < plain.length; count++) out[count] = plain[count];
    const groups = route.groups;
    for (let g = 0; g < groups.length; g++) {
      const members = groups[g] as Subscriber[];
      const pick = Math.floor(this.#random() * members.length);
      out[count++] = members[pick < 0 ? 0 : pick >= members.length ? members.length - 1 : pick];
    }
    return count;
  }

  #compute(topic: string): Route {
    const tokens = validateTopic(topic);
    this.#computed++;
    const matched = this.#trie.match(tokens).sort(bySubscription);
    const plain: Subscriber[] = [];
    const groups = new Map<string, Subscriber[]>();
    let direct = true;
    const admitting: Subscriber[] = [];
    for (const sub of matched) {
      if (sub.queue === undefined) {
        plain.push(sub);
        if (sub.mayRefuse) direct = false;
        continue;
      }
      direct = false;
      if (sub.admit !== undefined) admitting.push(sub);
      const members = groups.get(sub.queue);
      if (members === undefined) groups.set(sub.queue, [sub]);
      else members.push(sub);
    }
    const route: Route = { topic, tokens, plain, groups: [...groups.values()], admitting, direct };
    if (this.#routes.size >= ROUTE_CACHE_SIZE) {
      const oldest = this.#routes.keys().next();
      if (oldest.done !== true) this.#routes.delete(oldest.value);
    }
    this.#routes.set(topic, route);
    return route;
  }

  /** Forget the cached routes of the topics `sub`'s pattern matches. */
  #forget(sub: Subscriber): void {
    const routes = this.#routes;
    if (!hasWildcard(sub.tokens)) routes.delete(sub.pattern);
    else for (const route of routes.values()) if (matchesTokens(sub.tokens, route.tokens)) routes.delete(route.topic);
    if (this.#lastRoute !== undefined && !routes.has(this.#lastRoute.topic)) {
      this.#lastTopic = undefined;
      this.#lastRoute = undefined;
    }
  }
}

function bySubscription(a: Subscriber, b: Subscriber): number {
  return a.id - b.id;
}

function hasWildcard(tokens: readonly string[]): boolean {
  for (const token of tokens) if (token === SINGLE_WILDCARD || token === TAIL_WILDCARD) return true;
  return false;
}

/** Whether the pattern made of `pattern` tokens matches the topic made of `topic` tokens. */
function matchesTokens(pattern: readonly string[], topic: readonly string[]): boolean {
  const last = pattern.length - 1;
  for (let i = 0; i <= last; i++) {
    const token = pattern[i] as string;
    if (token === TAIL_WILDCARD && i === last) return topic.length > i;
    if (i >= topic.length) return false;
    if (token !== SINGLE_WILDCARD && token !== topic[i]) return false;
  }
  return pattern.length === topic.length;
}
