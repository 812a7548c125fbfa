import { optionError } from "../errors/invalidOption.js";
import { CronSchedule, cronHashSeed, parseCronPattern, type CronPattern } from "./CronSchedule.js";
import type { ResolvedTrigger } from "./ScheduleSpec.js";
import { TimeZone } from "./TimeZone.js";

/** What slot enumeration needs besides the trigger, to compute a cron trigger's slots as the scheduler fires them. */
export interface SlotOptions {
  /**
   * The agent the trigger belongs to. A cron expression with `H` fields
   * resolves them from the agent and trigger name (as the scheduler does), so
   * it is required for such an expression and ignored otherwise.
   */
  readonly agent?: string;
  /**
   * Zone of a cron trigger that names none: the scheduler's default zone
   * (`SchedulerOptions.timezone`; the orchestrator leaves it to the host's).
   * @default the host's zone
   */
  readonly timezone?: string;
}

/** Zones and patterns kept at most (each cache is emptied past it): pure values, shared by every caller. */
const CACHE_LIMIT = 256;
const zones = new Map<string, TimeZone>();
const patterns = new Map<string, CronPattern>();
/** The host's zone name, read once. */
let hostZoneName: string | undefined;

/**
 * A {@link CronSchedule} of a cron trigger, built exactly as the scheduler
 * builds its series: the expression trimmed, read in the trigger's zone (else
 * `options.timezone`, else the host's), `H` fields resolved from the agent and
 * trigger name. A fresh schedule each call (it has a position); the zone and
 * the parsed pattern are kept and shared.
 *
 * @throws ConfigError `INVALID_OPTION` naming `agent` for an expression with
 *   `H` fields when `options.agent` is absent, or naming `timezone` for a zone
 *   the runtime does not know.
 * @throws CronExpressionError for an expression the scheduler would refuse too.
 */
export function cronScheduleOf(trigger: Extract<ResolvedTrigger, { kind: "cron" }>, options: SlotOptions = {}): CronSchedule {
  const expression = trigger.cron.trim();
  if (options.agent === undefined && cronHashSeed("", trigger.name, expression) !== undefined) {
    throw optionError("agent", `the agent's name: the cron expression ${JSON.stringify(expression)} has H fields, resolved per agent and trigger`, undefined);
  }
  const seed = cronHashSeed(options.agent ?? "", trigger.name, expression);
  const zone = zoneNamed(trigger.timezone ?? options.timezone ?? (hostZoneName ??= new Intl.DateTimeFormat().resolvedOptions().timeZone));
  const key = `${zone.name}|${seed ?? ""}|${expression}`;
  let pattern = patterns.get(key);
  if (pattern === undefined) {
    pattern = parseCronPattern(expression, zone, seed);
    if (patterns.size >= CACHE_LIMIT) patterns.clear();
    patterns.set(key, pattern);
  }
  return new CronSchedule(pattern);
}

function zoneNamed(name: string): TimeZone {
  let zone = zones.get(name);
  if (zone === undefined) {
    try {
      zone = new TimeZone(name);
    } catch {
      throw optionError("timezone", 'an IANA time zone name such as "America/New_York" or "UTC"', name);
    }
    if (zones.size >= CACHE_LIMIT) zones.clear();
    zones.set(name, zone);
  }
  return zone;
}
