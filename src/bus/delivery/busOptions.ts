/**
 * The option checks and defaults every Bus shares: the bus's delivery options
 * (`onError`, `onDrop`, `clock`), a subscription's options, a publish's and a
 * request's. A bad option is a `BusError` `INVALID_OPTION` naming it, in the
 * words of `OptionCheck`.
 */
import type { Clock } from "../../clock.js";
import { systemClock } from "../../clock.js";
import { OptionCheck, describeValue, isAbortSignal } from "../../check.js";
import { BusError } from "../../errors/BusError.js";
import type { Admission, AdmittingOptions } from "../admission.js";
import { ADMIT } from "../admission.js";
import type { DropReason, Message, MessageHandler, OverflowPolicy, PublishOptions, SubscribeOptions } from "../Bus.js";
import { requestAborted } from "./deliveryErrors.js";
import type { SubscriberInit } from "./Subscriber.js";
import type { TimestampMode } from "./TurnClock.js";

/** Default bound of a subscription's pending queue. */
export const DEFAULT_MAX_PENDING = 10_000;
/** Default timeout of `Bus.request`, in ms. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 5_000;
/** The overflow policies, in the order error messages list them. */
export const OVERFLOW_POLICIES: readonly OverflowPolicy[] = ["drop-oldest", "drop-newest", "error"];

/** The option checks of `where` (`createBus`, `subscribe("a.*")`, `publish`), failing with `BusError` `INVALID_OPTION`. */
export function busOptionCheck(where: string, topic?: string): OptionCheck {
  return new OptionCheck(where, (message) => new BusError("INVALID_OPTION", message, topic === undefined ? {} : { topic }));
}

/** The options the delivery core takes from a bus's options, checked, with defaults filled in. */
export interface DeliveryOptions {
  readonly clock: Clock;
  readonly onError: ((error: unknown, message: Message) => void) | undefined;
  readonly onDrop: ((message: Message, reason: DropReason) => void) | undefined;
}

/**
 * Check the options every Bus takes (`onError`, `onDrop`, `clock`) with `check`.
 *
 * @throws BusError `INVALID_OPTION` naming the option
 */
export function checkDeliveryOptions(check: OptionCheck, options: Partial<DeliveryOptions>): DeliveryOptions {
  return {
    onError: check.optionalFunction(options.onError, "onError"),
    onDrop: check.optionalFunction(options.onDrop, "onDrop"),
    clock: check.optionalClock(options.clock) ?? systemClock,
  };
}

/** The `timestamps` option's values (see `TurnClock`). */
const TIMESTAMP_MODES: readonly TimestampMode[] = ["turn", "exact"];

/**
 * Check a bus's `timestamps` option with `check`; the default is `"turn"` on
 * the system clock and `"exact"` on an injected `clock` (so a `ManualClock`
 * test sees exactly the times it sets).
 *
 * @throws BusError `INVALID_OPTION` naming the option
 */
export function checkTimestamps(check: OptionCheck, value: unknown, clock: Clock): TimestampMode {
  return check.optionalOneOf(value, "timestamps", TIMESTAMP_MODES) ?? (clock === systemClock ? "turn" : "exact");
}

/** A subscription's handler and options, checked, with defaults filled in. */
export type CheckedSubscription = Omit<SubscriberInit, "id" | "pattern" | "tokens">;

/**
 * Check the handler and options of `subscribe(pattern, handler, options)`
 * (the pattern itself is checked by `validatePattern`).
 *
 * @throws BusError `INVALID_OPTION` naming the option and the pattern
 */
export function checkSubscription(pattern: string, handler: unknown, options: unknown): CheckedSubscription {
  return plainlyValid(handler, options) ?? checkFully(pattern, handler, options);
}

/**
 * The internal `ADMIT` option of a subscription (see `admission.ts`), for a bus
 * that honours it: `undefined` when absent. `options` is what
 * {@link checkSubscription} accepted (`undefined` or an object); the symbol key
 * is not among the option names it knows, and not one it refuses.
 *
 * @throws BusError `INVALID_OPTION` when it is given and is not a function
 */
export function subscriptionAdmission(pattern: string, options: unknown): Admission | undefined {
  if (options === undefined) return undefined;
  const admit: unknown = (options as AdmittingOptions)[ADMIT];
  if (admit === undefined || typeof admit === "function") return admit as Admission | undefined;
  throw busOptionCheck(`subscribe(${JSON.stringify(pattern)})`, pattern).error("[ADMIT]", "a function", admit);
}

/** A queue group name: non-empty, no whitespace. */
const QUEUE_NAME = /^\S+$/;

/**
 * The checked subscription when the handler and every option are plainly
 * valid, as nearly every subscription's are: no check object and no
 * description of the pattern are made for it. `undefined` otherwise: the full
 * check then says what is wrong, in the same words as always.
 */
function plainlyValid(handler: unknown, options: unknown): CheckedSubscription | undefined {
  if (typeof handler !== "function") return undefined;
  const fn = handler as MessageHandler;
  if (options === undefined) return { handler: fn, queue: undefined, concurrency: 1, maxPending: DEFAULT_MAX_PENDING, overflow: "drop-oldest", onError: undefined };
  if (typeof options !== "object" || options === null || Array.isArray(options)) return undefined;
  const { queue, concurrency, maxPending, overflow, onError } = options as Record<keyof SubscribeOptions, unknown>;
  if (queue !== undefined && (typeof queue !== "string" || !QUEUE_NAME.test(queue))) return undefined;
  if (concurrency !== undefined && !isPositiveInteger(concurrency)) return undefined;
  if (maxPending !== undefined && !isPositiveInteger(maxPending)) return undefined;
  if (overflow !== undefined && !OVERFLOW_POLICIES.includes(overflow as OverflowPolicy)) return undefined;
  if (onError !== undefined && typeof onError !== "function") return undefined;
  return {
    handler: fn,
    queue,
    concurrency: concurrency ?? 1,
    maxPending: maxPending ?? DEFAULT_MAX_PENDING,
    overflow: (overflow as OverflowPolicy | undefined) ?? "drop-oldest",
    onError: onError as SubscriberInit["onError"],
  };
}

function isPositiveInteger(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 1;
}

/** {@link checkSubscription} through the option checks: throws the error that names what is wrong. */
function checkFully(pattern: string, handler: unknown, options: unknown): CheckedSubscription {
  const check = busOptionCheck(`subscribe(${JSON.stringify(pattern)})`, pattern);
  if (typeof handler !== "function") throw check.error("handler", "a function", handler);
  const given = check.object(options as SubscribeOptions | undefined);
  const queue: unknown = given.queue;
  if (queue !== undefined && (typeof queue !== "string" || !QUEUE_NAME.test(queue))) {
    throw check.error("queue", "a non-empty queue group name without whitespace", queue);
  }
  return {
    handler: handler as MessageHandler,
    queue,
    concurrency: check.optionalPositiveInteger(given.concurrency, "concurrency") ?? 1,
    maxPending: check.optionalPositiveInteger(given.maxPending, "maxPending") ?? DEFAULT_MAX_PENDING,
    overflow: check.optionalOneOf(given.overflow, "overflow", OVERFLOW_POLICIES) ?? "drop-oldest",
    onError: check.optionalFunction(given.onError, "onError"),
  };
}

/**
 * The error for bad options of a publish or request (`headers`, `source`), or
 * `undefined` when they are fine. Returned, not thrown: the caller rejects with
 * it. Cheap when the options are fine (an agent's publishes always carry some).
 */
export function publishOptionsError(options: unknown, operation: "publish" | "request"): BusError | undefined {
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    return new BusError("INVALID_OPTION", `${operation}: expected options to be an object, got ${describeValue(options)}`);
  }
  const { headers, source } = options as PublishOptions;
  if (source !== undefined && typeof source !== "string") return refusal(operation, "source", "a string", source);
  if (headers === undefined) return undefined;
  if (typeof headers !== "object" || headers === null || Array.isArray(headers)) {
    return refusal(operation, "headers", "an object of string values", headers);
  }
  for (const key in headers) {
    const value: unknown = headers[key];
    if (typeof value !== "string") return refusal(operation, `headers.${key}`, "a string", value);
  }
  return undefined;
}

/**
 * The timeout of a request: `timeoutMs`, or the default when it is absent.
 *
 * @returns the timeout in ms, or the `BusError` `INVALID_OPTION` to reject with
 */
export function requestTimeout(timeoutMs: unknown, topic: string): number | BusError {
  if (timeoutMs === undefined) return DEFAULT_REQUEST_TIMEOUT_MS;
  if (typeof timeoutMs === "number" && Number.isFinite(timeoutMs) && timeoutMs > 0) return timeoutMs;
  return refusal("request", "timeoutMs", "a positive finite number of milliseconds", timeoutMs, topic);
}

/**
 * The `signal` option of a request: `undefined` when absent, the signal, or
 * the `BusError` to reject with: `INVALID_OPTION` for a value that is not an
 * `AbortSignal`, `REQUEST_ABORTED` for a signal aborted already (nothing is sent).
 * An `AbortSignal` is recognised by its shape (`aborted`, `addEventListener`,
 * `removeEventListener`), so a signal from another realm or a polyfill works.
 */
export function requestSignal(signal: unknown, topic: string): AbortSignal | undefined | BusError {
  if (signal === undefined) return undefined;
  if (!isAbortSignal(signal)) return refusal("request", "signal", "an AbortSignal (from an AbortController, or AbortSignal.timeout())", signal, topic);
  if (signal.aborted) return requestAborted(topic, signal.reason, false);
  return signal;
}

/** The `INVALID_OPTION` error of `operation` for `option`, whose `value` is not `what`. */
function refusal(operation: string, option: string, what: string, value: unknown, topic?: string): BusError {
  return busOptionCheck(operation, topic).error(option, what, value) as BusError;
}
