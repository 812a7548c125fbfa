import { childPath } from "../../config/keyPath.js";
import { formatDuration } from "../../duration.js";
import type { ResolvedTriggerBase } from "../ScheduleSpec.js";
import type { KindFields, TimeKind, TriggerKind } from "../TriggerKind.js";
import { isMilliseconds } from "./milliseconds.js";

/**
 * A time-based kind whose one field, named as the kind, is a duration
 * (`delay`, `every`): read from a spec as a duration (`"15s"`, or ms), named
 * `<kind>:<duration>` (`every:15s`), checked in hand-built triggers as ms
 * (above 0 when `positive`).
 *
 * @typeParam F - the kind's fields: `{ kind: K; [K]: number }`
 */
export function durationKind<F extends KindFields, S>(
  kind: F["kind"],
  example: S,
  positive: boolean,
  timing: TimeKind<ResolvedTriggerBase & F>,
): TriggerKind<F, S> {
  return {
    kind,
    example,
    read(reader, spec, path) {
      const at = childPath(path, kind);
      const ms = reader.duration(spec[kind], at) as number;
      // F is `{ kind: K; [K]: number }`: exactly these two fields.
      const fields = { kind, [kind]: ms } as unknown as F;
      return { fields, derivedName: `${kind}:${formatDuration(ms)}`, written: { path: at, value: spec[kind] } };
    },
    check(trigger, fail) {
      if (!isMilliseconds(trigger[kind], positive)) fail(kind, `a ${positive ? "positive" : "non-negative"} number of milliseconds`);
    },
    timing,
  };
}
