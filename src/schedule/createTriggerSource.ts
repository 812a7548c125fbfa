import { Scheduler } from "./Scheduler.js";
import type { TriggerSourceOptions } from "./TriggerKind.js";
import { triggerKinds, type TriggerKindTable } from "./triggerKinds.js";
import type { TriggerSource } from "./TriggerSource.js";
import { TriggerSources, type SourceRoute } from "./TriggerSources.js";

/**
 * The trigger source of one orchestrator, built from the registered kinds: a
 * {@link Scheduler} for every time-based kind, and the source each other kind
 * brings (its `source` factory, given the same options and sink). With only
 * time-based kinds registered, that is the scheduler itself; otherwise the
 * sources are put behind one {@link TriggerSources}.
 *
 * @param kinds - the registry to read; {@link triggerKinds} unless a test gives its own
 * @throws ConfigError `INVALID_OPTION` for bad options (see `SchedulerOptions`).
 *
 * @example
 * ```ts
 * const source = createTriggerSource({ clock, logger, counters, isActive, fire: (tick) => publish(tick) });
 * source.add("report", trigger);
 * source.start();
 * ```
 */
export function createTriggerSource(options: TriggerSourceOptions, kinds: TriggerKindTable = triggerKinds): TriggerSource {
  const scheduler = new Scheduler(options);
  const entries = Object.values(kinds);
  const routes: SourceRoute[] = [{ kinds: entries.filter((kind) => kind.timing !== undefined).map((kind) => kind.kind), source: scheduler }];
  for (const kind of entries) {
    if (kind.source !== undefined) routes.push({ kinds: [kind.kind], source: kind.source(options) });
  }
  return routes.length === 1 ? scheduler : new TriggerSources(routes);
}
