import { describeValue } from "../check.js";
import { ConfigError } from "../errors/ConfigError.js";
import type { ResolvedTrigger } from "./ScheduleSpec.js";
import type { TriggerActivity } from "./TriggerActivity.js";
import type { TriggerHandle, TriggerSource } from "./TriggerSource.js";

/** A source and the trigger kinds it serves. */
export interface SourceRoute {
  /** The kinds whose triggers go to {@link SourceRoute.source}. */
  readonly kinds: readonly string[];
  readonly source: TriggerSource;
}

/**
 * Several trigger sources behind one {@link TriggerSource}: each trigger goes
 * to the source serving its kind, and the answers about an agent (its next
 * fire time, its trigger names) cover every source. Trigger names stay unique
 * per agent across the sources.
 *
 * @example
 * ```ts
 * const sources = new TriggerSources([
 *   { kinds: ["cron", "at", "delay", "every"], source: scheduler },
 *   { kinds: ["webhook"], source: webhooks },
 * ]);
 * ```
 */
export class TriggerSources implements TriggerSource {
  readonly #sources: readonly TriggerSource[];
  readonly #byKind = new Map<string, TriggerSource>();

  /** @throws ConfigError `INVALID_OPTION` when two routes name the same kind. */
  constructor(routes: readonly SourceRoute[]) {
    for (const { kinds, source } of routes) {
      for (const kind of kinds) {
        if (this.#byKind.has(kind)) {
          throw new ConfigError(`TriggerSources: the trigger kind ${JSON.stringify(kind)} is served by two sources; each kind has one`, {
            code: "INVALID_OPTION",
            value: kind,
          });
        }
        this.#byKind.set(kind, source);
      }
    }
    this.#sources = routes.map((route) => route.source);
  }

  /**
   * Add the trigger to the source serving its kind.
   *
   * @throws ConfigError for a kind no source serves, or a name the agent already uses in another source;
   *   and whatever the serving source throws.
   */
  add(agent: string, trigger: ResolvedTrigger): TriggerHandle {
    const kind: unknown = (trigger as { kind?: unknown } | null)?.kind;
    const source = typeof kind === "string" ? this.#byKind.get(kind) : undefined;
    const name = String((trigger as { name?: unknown } | null)?.name);
    if (source === undefined) {
      const served = [...this.#byKind.keys()].join(", ");
      throw new ConfigError(`expected \`kind\` to be one of ${served}, got ${describeValue(kind)}`, { path: `schedule.${agent}[${name}].kind`, value: kind });
    }
    if (this.#sources.some((other) => other !== source && other.triggerNames(agent).includes(name))) {
      throw new ConfigError(`agent "${agent}" already has a trigger named "${name}"; trigger names must be unique per agent`, {
        path: `schedule.${agent}`,
        value: name,
      });
    }
    return source.add(agent, trigger);
  }

  /** Start every source, in the order of the routes. */
  start(at?: number): void {
    for (const source of this.#sources) source.start(at);
  }

  /** Stop every source (idempotent). */
  stop(): void {
    for (const source of this.#sources) source.stop();
  }

  /** The earliest next fire time of the agent's triggers over every source. */
  nextFireAt(agent: string): number | undefined {
    let next: number | undefined;
    for (const source of this.#sources) {
      const at = source.nextFireAt(agent);
      if (at !== undefined && (next === undefined || at < next)) next = at;
    }
    return next;
  }

  /** The agent's trigger names still to fire, over every source. */
  triggerNames(agent: string): string[] {
    return this.#sources.flatMap((source) => source.triggerNames(agent));
  }

  /** The agent's trigger named `name`, from whichever source holds it. */
  trigger(agent: string, name: string): ResolvedTrigger | undefined {
    for (const source of this.#sources) {
      const trigger = source.trigger(agent, name);
      if (trigger !== undefined) return trigger;
    }
    return undefined;
  }

  /** The activity of the agent's trigger named `name`, from whichever source holds it (and keeps one). */
  activity(agent: string, name: string): TriggerActivity | undefined {
    for (const source of this.#sources) {
      const activity = source.activity?.(agent, name);
      if (activity !== undefined) return activity;
    }
    return undefined;
  }

  /** The activity of the agent's triggers, over every source that keeps one. */
  activities(agent: string): TriggerActivity[] {
    return this.#sources.flatMap((source) => source.activities?.(agent) ?? []);
  }
}
