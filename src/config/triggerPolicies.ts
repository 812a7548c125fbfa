/**
 * The two policies a trigger may set about downtime, as the configuration
 * reads them: `catchup: { window, runs }` and `delivery`. One shape each,
 * used both on a trigger (`schedule.<agent>.catchup`) and as a default for
 * every trigger (`scheduler.catchup`), so both read, refuse and document the
 * same way.
 */
import { CATCHUP_RUNS, DELIVERY_POLICIES, type CatchupPolicy, type CatchupSpec, type DeliveryPolicy } from "../schedule/ScheduleSpec.js";
import type { ConfigChecker } from "./ConfigChecker.js";
import { checkShape } from "./checkShape.js";
import { choice, duration, named, object } from "./shape.js";

/** What `catchup.runs` may be, for error messages. */
const RUNS_EXPECTATION = CATCHUP_RUNS.map((runs) => JSON.stringify(runs)).join(" or ");

/** What `delivery` may be, for error messages. */
const DELIVERY_EXPECTATION = DELIVERY_POLICIES.map((policy) => JSON.stringify(policy)).join(" or ");

/** `catchup:` of a trigger or of `scheduler:`; `{}` is window 0, runs latest. */
export const catchupShape = named<CatchupSpec>()(
  object({
    /** How far back from start to look for missed slots; slots before it are skipped (`downtime`). `0` runs none. @default 0 */
    window: duration({ zero: true }),
    /** `latest`: run the most recent missed slot once; `all`: run every missed slot in the window, oldest first. @default "latest" */
    runs: choice(CATCHUP_RUNS, RUNS_EXPECTATION),
  }),
);

/** `delivery:` of a trigger or of `scheduler:`. */
export const deliveryShape = choice(DELIVERY_POLICIES, DELIVERY_EXPECTATION);

/** What catch-up resolves to when `catchup:` sets neither key. */
const CATCHUP_DEFAULTS: CatchupPolicy = Object.freeze({ window: 0, runs: "latest" });

/**
 * Read `catchup` at `path` into a {@link CatchupPolicy} (window in ms), or
 * `undefined` when absent (`undefined`, or `null`: an empty YAML mapping whose
 * entries are commented out). Throws a positioned `ConfigError` through `checker`.
 */
export function readCatchup(checker: ConfigChecker, value: unknown, path: string): CatchupPolicy | undefined {
  if (value === undefined || value === null) return undefined;
  const checked = checkShape(checker, catchupShape, value, path);
  return Object.freeze({ window: checked.window ?? CATCHUP_DEFAULTS.window, runs: checked.runs ?? CATCHUP_DEFAULTS.runs });
}

/** Read `delivery` at `path`, or `undefined` when absent. Throws a positioned `ConfigError` through `checker`. */
export function readDelivery(checker: ConfigChecker, value: unknown, path: string): DeliveryPolicy | undefined {
  return checkShape(checker, deliveryShape, value, path);
}
