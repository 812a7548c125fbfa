import type { BusError } from "../errors/BusError.js";
import { admissionThrew, queueFull } from "./delivery/deliveryErrors.js";
import type { Subscriber } from "./delivery/Subscriber.js";
import type { Route } from "./RouteTable.js";

/**
 * The error that refuses a message with `payload` on `route.topic`, asked
 * before it is queued for anyone (on a route that is not direct), or
 * `undefined` when it is taken:
 *
 * - of its `count` targets in order (every plain subscription and the chosen
 *   member of each queue group): `QUEUE_FULL` for the first that refuses when
 *   full and is full, or the error the first refusing admission check of a
 *   plain subscription returns;
 * - then of every queue-group member with an admission check
 *   (`route.admitting`), chosen or not, so that whether a payload is refused
 *   does not depend on the draw.
 *
 * A check that throws refuses with `PAYLOAD_INVALID`.
 */
export function refusal(route: Route, targets: ReadonlyArray<Subscriber | undefined>, count: number, payload: unknown, topic: string): BusError | undefined {
  for (let i = 0; i < count; i++) {
    const sub = targets[i] as Subscriber;
    if (!sub.mayRefuse) continue;
    if (sub.full) return queueFull(topic, sub);
    // a queue-group member's check is asked below, with its group's others
    if (sub.queue !== undefined) continue;
    const refused = admits(sub, payload, topic);
    if (refused !== undefined) return refused;
  }
  const admitting = route.admitting;
  for (let i = 0; i < admitting.length; i++) {
    const refused = admits(admitting[i] as Subscriber, payload, topic);
    if (refused !== undefined) return refused;
  }
  return undefined;
}

/** What `sub`'s admission check says of `payload` (`undefined`: admitted, or no check). */
function admits(sub: Subscriber, payload: unknown, topic: string): BusError | undefined {
  const admit = sub.admit;
  if (admit === undefined) return undefined;
  try {
    return admit(payload, topic);
  } catch (error) {
    return admissionThrew(topic, sub, error);
  }
}
