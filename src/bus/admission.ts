import type { BusError } from "../errors/BusError.js";

/**
 * Key of an internal subscription option (not part of the public API): a
 * check every message's payload must pass at publish before the in-process bus
 * queues it for anyone. The subscription of a thread agent uses it to refuse,
 * at `publish()` / `request()`, a payload that cannot be copied to its thread,
 * with an error naming that subscriber. A bus that does not know the option
 * ignores it (a networked bus encodes every payload at publish anyway). In a
 * queue group, the check of every member that has one is asked whichever
 * member is chosen, so a refusal never depends on the draw.
 */
export const ADMIT: unique symbol = Symbol("@acme/agent-orchestrator.admit") as never;

/**
 * The check: `undefined` admits the payload; a `BusError` (`PAYLOAD_INVALID`)
 * refuses the whole publish (nothing is queued for any subscriber).
 */
export type Admission = (payload: unknown, topic: string) => BusError | undefined;

/** Subscribe options carrying an {@link Admission}. */
export interface AdmittingOptions {
  readonly [ADMIT]?: Admission | undefined;
}
