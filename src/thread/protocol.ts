/**
 * What crosses between the main thread and an agent's worker thread
 * (`isolation: thread`). Every post is an array of frames (the frames of one
 * turn travel together); a frame is a plain object tagged by `t`.
 *
 * Calls are numbered by the side that makes them; the answer names the number
 * (`done` for what the main thread asked of the agent, `reply` for what the
 * agent asked of the main thread). Errors cross as {@link WireError}s and are
 * rebuilt on the other side (the library's own error classes keep their class
 * and `code`).
 */

/** An error as it crosses the port. */
export interface WireError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string | undefined;
  /** The `code` of the library's errors (and of Node's). */
  readonly code?: string | undefined;
  /** `BusError.topic`, `AgentError.agent`, `ConfigError.path`: kept so the class is rebuilt whole. */
  readonly topic?: string | undefined;
  readonly agent?: string | undefined;
  readonly path?: string | undefined;
  readonly cause?: WireError | undefined;
}

/** A bus message delivered to a subscription of the thread agent. */
export interface WireMessage {
  readonly id: string;
  readonly topic: string;
  readonly payload: unknown;
  readonly timestamp: number;
  readonly source?: string | undefined;
  readonly headers?: Readonly<Record<string, string>> | undefined;
}

/**
 * The messages of one turn for one subscription, as columns (one array per
 * field, the same index for one message): numbered `first`, `first + 1`, …
 * in the subscription's own count, answered on the subscription's channel
 * (a `done` frame whose `call` is `channel`, carrying a {@link LaneReport};
 * see `DeliveryLane`). Fields that no message of the frame has are left out.
 * A turn with one message sends a {@link WireOneMessage} instead.
 */
export interface WireMessages {
  readonly t: "messages";
  readonly sub: number;
  /** The `call` of the `done` frames that answer these messages (one per subscription, for its life). */
  readonly channel: number;
  /** The number of the first message. */
  readonly first: number;
  readonly ids: readonly string[];
  /** One topic for every message (a string), or one per message. */
  readonly topics: string | readonly string[];
  readonly payloads: readonly unknown[];
  readonly timestamps: readonly number[];
  /** The indexes of the messages that are requests (their handler's value crosses back as the reply). */
  readonly requests?: readonly number[] | undefined;
  readonly sources?: ReadonlyArray<string | undefined> | undefined;
  readonly headers?: ReadonlyArray<Readonly<Record<string, string>> | undefined> | undefined;
}

/** The one message of a turn for one subscription (as {@link WireMessages}, flat: a single request crosses fastest so). */
export interface WireOneMessage extends WireMessage {
  readonly t: "message";
  readonly sub: number;
  readonly channel: number;
  /** Its number in the subscription's count. */
  readonly seq: number;
  readonly request: boolean;
}

/**
 * What the thread reports on a subscription's channel (the `value` of a
 * `done` frame whose `call` is the channel):
 *
 * - a number `upTo`: every message numbered up to `upTo` that the thread
 *   received, and did not report otherwise, has been handled (one report per
 *   turn, however many messages);
 * - `[seq, reply]`: message `seq` was a request, and its handler's value is
 *   the reply; `[-seq, error]`: the handler failed on message `seq` (the
 *   agent's crash on the main thread). A third element, when there is one,
 *   is an `upTo` as above, for the messages handled after it in the turn;
 * - `{ first, count }`: those messages reached no subscription (it had ended)
 *   and count as handled.
 *
 * A report naming `seq` is always sent before any `upTo` covering it. (Arrays
 * and numbers: the cheapest shapes to copy across.)
 */
export type LaneReport =
  | number
  | readonly [seq: number, value: unknown, upTo?: number]
  | { readonly first: number; readonly count: number };

/** A trigger slot (`CronTick` without its signal: the thread makes its own, aborted by `abort-run`). */
export interface WireTick {
  readonly trigger: string;
  readonly scheduledAt: number;
  readonly firedAt: number;
  readonly key: string;
  readonly catchup: boolean;
  readonly attempt: number;
  /** Any further fields of the tick, as they are (plain data). */
  readonly [field: string]: unknown;
}

/** Subscription options that cross (the `onError` function stays in the thread). */
export interface WireSubscribeOptions {
  readonly queue?: string | undefined;
  readonly concurrency?: number | undefined;
  readonly maxPending?: number | undefined;
  readonly overflow?: "drop-oldest" | "drop-newest" | "error" | undefined;
}

/** Request options that cross (the `signal` stays in the thread: it sends `abort-request`). */
export interface WireRequestOptions {
  readonly timeoutMs?: number | undefined;
  readonly headers?: Record<string, string> | undefined;
}

/** Log levels of the agent's `this.log`. */
export type WireLogLevel = "debug" | "info" | "warn" | "error";

/** `workerData` of an agent's thread: everything it needs to build the agent. */
export interface ThreadBoot {
  /** The agent's registered name. */
  readonly name: string;
  /** Absolute module specifier (a `file:` URL or a package name) to import the class from. */
  readonly module: string;
  /** Named export holding the class; the default export when undefined. */
  readonly export: string | undefined;
  /** `agents.<name>.config` as given (the thread validates it with the class's `configSchema` itself). */
  readonly config: unknown;
  /** The incarnation's number (1 for the first), for log fields. */
  readonly incarnation: number;
  /** For a source checkout only: the `.ts` entry the boot file imports after registering a TypeScript loader. */
  readonly entry?: string | undefined;
  /** A singleton's lease when the incarnation starts (`Agent.lease` in the thread; its `expiresAt` is the one at start). */
  readonly lease?: { readonly holder: string; readonly token: number; readonly expiresAt: number } | undefined;
}

/** Frames the main thread sends to the agent's thread. */
export type ToThread =
  /** Deliver a message to subscription `sub`; answer `done` with `call` (the handler's value is the reply to a request). */
  | { readonly t: "deliver"; readonly call: number; readonly sub: number; readonly message: WireMessage; readonly request: boolean }
  /** Deliver the messages of one turn to subscription `sub` (see {@link WireMessages}); answered on its channel. */
  | WireMessages
  | WireOneMessage
  /** Run `onCron`; answer `done`. */
  | { readonly t: "cron"; readonly call: number; readonly tick: WireTick }
  /** Abort the signal of the `onCron` run `call` (its trigger `timeout`, or the slot abandoned). */
  | { readonly t: "abort-run"; readonly call: number; readonly reason: WireError }
  /** Run `onEscalation`; answer `done`. */
  | { readonly t: "escalation"; readonly call: number; readonly event: unknown }
  /** The incarnation is ending: abort the agent's `this.signal` with `reason`. */
  | { readonly t: "abort"; readonly reason: WireError }
  /** Run `stop()`; answer `done`. The thread is terminated after it (or at the stop deadline). */
  | { readonly t: "stop"; readonly call: number }
  /** The answer to the thread's call `call` (publish, request, flush). */
  | { readonly t: "reply"; readonly call: number; readonly ok: true; readonly value?: unknown }
  | { readonly t: "reply"; readonly call: number; readonly ok: false; readonly error: WireError }
  /** Liveness probe: answer `pong` with the same `seq`. */
  | { readonly t: "ping"; readonly seq: number };

/** Frames the agent's thread sends to the main thread. */
export type FromThread =
  /** The agent was built and its `start()` resolved. */
  | { readonly t: "started" }
  /** Importing the module, building the agent or its `start()` failed. */
  | { readonly t: "start-failed"; readonly error: WireError }
  /** `this.bus.subscribe(pattern, handler, options)`: the main thread subscribes as `sub`. */
  | { readonly t: "subscribe"; readonly sub: number; readonly pattern: string; readonly options: WireSubscribeOptions }
  /** The subscription `sub` ended. */
  | { readonly t: "unsubscribe"; readonly sub: number }
  /** The answer to the main thread's call `call` (deliver, cron, escalation, stop). */
  | { readonly t: "done"; readonly call: number; readonly ok: true; readonly value?: unknown }
  | { readonly t: "done"; readonly call: number; readonly ok: false; readonly error: WireError }
  /** `this.bus.publish`; answered by `reply`. */
  | { readonly t: "publish"; readonly call: number; readonly topic: string; readonly payload: unknown; readonly headers?: Record<string, string> | undefined }
  /** `this.bus.request`; answered by `reply` with the reply value. */
  | { readonly t: "request"; readonly call: number; readonly topic: string; readonly payload: unknown; readonly options: WireRequestOptions }
  /** The request `call`'s signal aborted. */
  | { readonly t: "abort-request"; readonly call: number; readonly reason: WireError }
  /** `this.bus.flush()`; answered by `reply`. */
  | { readonly t: "flush"; readonly call: number }
  /** A `this.log` entry. */
  | { readonly t: "log"; readonly level: WireLogLevel; readonly fields: object; readonly message: string | undefined }
  /** `this.heartbeat()` (at most one per turn). */
  | { readonly t: "beat" }
  /** `this.fail(error)`. */
  | { readonly t: "fail"; readonly error: WireError }
  /** Answer to `ping`, with the thread's heap in use (bytes). */
  | { readonly t: "pong"; readonly seq: number; readonly heapUsed: number };

