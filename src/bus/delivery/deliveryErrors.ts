/**
 * The `BusError`s every Bus raises in the same words: a closed bus, a full
 * queue that refuses, a request that timed out or got no reply.
 */
import { BusError } from "../../errors/BusError.js";
import { describeThrown } from "../../errors/describeThrown.js";
import type { Subscriber } from "./Subscriber.js";

/** `BUS_CLOSED`: `operation` on `topic` after `close()`. */
export function busClosed(topic: string, operation: "publish" | "request" | "subscribe"): BusError {
  return new BusError("BUS_CLOSED", `Cannot ${operation} on ${JSON.stringify(topic)}: the bus is closed`, { topic });
}

/** `QUEUE_FULL`: `sub` refuses messages when full (`overflow: 'error'`) and is full. */
export function queueFull(topic: string, sub: Subscriber): BusError {
  const group = sub.queue === undefined ? "" : ` (queue group ${JSON.stringify(sub.queue)})`;
  return new BusError(
    "QUEUE_FULL",
    `Cannot publish on ${JSON.stringify(topic)}: the subscription ${JSON.stringify(sub.pattern)}${group} has ${sub.maxPending} messages pending (maxPending) and overflow 'error'; the message was queued nowhere`,
    { topic },
  );
}

/** `PAYLOAD_INVALID`: the admission check of `sub` threw on a message on `topic` (it should return its refusal): the message was queued nowhere. */
export function admissionThrew(topic: string, sub: Subscriber, cause: unknown): BusError {
  return new BusError(
    "PAYLOAD_INVALID",
    `Cannot publish on ${JSON.stringify(topic)}: the admission check of the subscription ${JSON.stringify(sub.pattern)} threw: ${describeThrown(cause)}; the message was queued nowhere`,
    { topic, cause },
  );
}

/** `REQUEST_TIMEOUT`: no reply to a request on `topic` within `timeoutMs`. */
export function requestTimedOut(topic: string, timeoutMs: number): BusError {
  return new BusError("REQUEST_TIMEOUT", `No reply to request on ${JSON.stringify(topic)} within ${timeoutMs} ms`, { topic });
}

/** `REQUEST_ABORTED`: the `signal` of a request on `topic` aborted (before it was sent when `sent` is false); its `reason` is the cause. */
export function requestAborted(topic: string, reason: unknown, sent: boolean): BusError {
  const what = sent ? "abandoned: its signal aborted before a reply came" : "not sent: its signal was aborted already";
  return new BusError("REQUEST_ABORTED", `Request on ${JSON.stringify(topic)} ${what}`, { topic, cause: reason });
}

/** `NO_REPLY`: every handler that received a request on `topic` settled (or its copy was dropped) without replying. */
export function noReply(topic: string): BusError {
  return new BusError("NO_REPLY", `No reply to request on ${JSON.stringify(topic)}: every matching handler settled (or was dropped) without replying`, { topic });
}
