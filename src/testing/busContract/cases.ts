import type { Bus } from "../../bus/Bus.js";
import type { ManualClock } from "../ManualClock.js";

/** What each case of the contract checks, by id. The ids are stable: use them in `exceptions`. */
export const BUS_CONTRACT_CASES = {
  publishDelivers: "delivers a published message with id, topic, payload, timestamp and headers",
  deliveryIsAsynchronous: "calls handlers after publish has returned, never inside it, and publish resolves before handling ends",
  exactTopicMatch: "a pattern without wildcards matches only that exact topic",
  singleWildcard: "`*` matches exactly one token, in any position",
  tailWildcard: "`>` matches one or more trailing tokens: `a.>` matches `a.b` and `a.b.c` but not `a`",
  invalidTopicRejected: "publish and request reject a malformed topic with INVALID_TOPIC naming it",
  invalidPatternThrows: "subscribe throws INVALID_TOPIC for a malformed pattern, naming it",
  topicLengthLimit: "a topic or pattern of the longest length (1,024 characters, less any prefix the bus adds) works; one character more is refused with INVALID_TOPIC naming the limit by publish, subscribe and request",
  fifoPerSubscription: "delivers messages to each subscription in publish order, with sync and async handlers",
  concurrencyOneByDefault: "runs one handler call at a time per subscription by default",
  concurrencyLimit: "runs up to `concurrency` handler calls of one subscription at once, never more",
  everySubscriberReceives: "every matching subscription receives every message, also the same handler subscribed twice",
  queueGroups: "a queue group gets each message once (one member), across the group's patterns; plain subscribers get every message",
  overflowDropOldest: "a full queue with overflow 'drop-oldest' (the default) drops its oldest pending message, counted",
  overflowDropNewest: "a full queue with overflow 'drop-newest' drops the new message, counted",
  overflowErrorRejects: "a full queue with overflow 'error' rejects the publish with QUEUE_FULL and the message is queued nowhere",
  handlerErrorIsolated: "a throwing or rejecting handler reaches neither the publisher nor other subscribers; its error goes to onError",
  onErrorThrowingIsContained: "an onError that throws does not stop delivery",
  requestFirstReplyWins: "request resolves with the first reply (sync or via a promise); a handler returning undefined does not reply",
  requestNoResponders: "request rejects at once with NO_RESPONDERS when no subscription matches",
  requestNoReply: "request rejects at once with NO_REPLY when every matching handler settles without replying (a throw counts)",
  requestTimeout: "request rejects with REQUEST_TIMEOUT when no reply comes within timeoutMs, on the bus's clock",
  requestAborted: "request rejects at once with REQUEST_ABORTED (the signal's reason as cause) when its signal aborts; the reply coming after is ignored",
  requestAbortedAlready: "request with a signal aborted already rejects with REQUEST_ABORTED and sends nothing: no handler runs",
  requestSignalReleased: "a request removes its listener from its signal once it settles, so a long-lived signal collects none",
  invalidRequestSignal: "request rejects a `signal` that is not an AbortSignal with INVALID_OPTION naming `signal`",
  flushCoversEarlierMessages: "flush resolves once every message published before it was handled by every matching subscriber",
  flushIgnoresLaterMessages: "flush resolves under continuous publishing: it waits only for messages published before it",
  closeFlushesThenRefuses: "close flushes pending messages, then refuses publish and request with BUS_CLOSED; it is idempotent",
  unsubscribeStopsDelivery: "unsubscribe stops delivery at once: pending messages are dropped (and counted), later ones never arrive",
  asyncDisposeCloses: "where the bus has [Symbol.asyncDispose], it closes the bus as close() does, idempotent with close()",
  subscriptionDisposeUnsubscribes: "where a subscription has [Symbol.dispose], it unsubscribes as unsubscribe() does, idempotent",
  statsCount: "stats(), when the bus keeps it, counts published, delivered, pending and handler errors",
} as const;

/** Id of a case of the Bus contract. */
export type BusContractCase = keyof typeof BUS_CONTRACT_CASES;

/** What a case body is given: a fresh bus, the clock it may run on, and the bus's topic length limit. */
export interface CaseContext {
  readonly bus: Bus;
  readonly clock: ManualClock;
  /** The longest topic the bus accepts (`maxTopicLength`). */
  readonly maxTopicLength: number;
}

/** The body of one case: resolves when the bus behaved, rejects with an `AssertionError` naming what it did instead. */
export type CaseBody = (context: CaseContext) => Promise<void>;

/** Bodies of some of the cases, by id (each file of the contract holds one concern's). */
export type CaseBodies<Id extends BusContractCase> = Readonly<Record<Id, CaseBody>>;
