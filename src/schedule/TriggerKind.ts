import type { ResolvedTriggerBase } from "./ScheduleSpec.js";
import type { SchedulerOptions } from "./SchedulerOptions.js";
import type { Series } from "./Series.js";
import type { TimeZone } from "./TimeZone.js";
import type { TriggerSource } from "./TriggerSource.js";

/** The fields a kind adds to a trigger's common options: its `kind` and what it fires on. */
export interface KindFields {
  /** The kind's name, also the spec key that chooses it (`cron`, `every`, …). */
  readonly kind: string;
}

/** A problem found in a spec: the value at fault and the underlying error. */
export interface SpecIssue {
  /** The offending value. */
  readonly value?: unknown;
  /** The underlying error. */
  readonly cause?: unknown;
}

/**
 * What a kind reads spec values with: the config layer's checker, which throws
 * a positioned `ConfigError` (file, line, column when the config came from a file).
 */
export interface SpecReader {
  /** Throw a `ConfigError` for `path`. */
  fail(path: string, message: string, issue?: SpecIssue): never;
  /** Throw for a value of the wrong kind: `expected <expected>, got <value>`. */
  expected(path: string, expected: string, value: unknown): never;
  /** A non-empty string, or `undefined` when absent. */
  string(value: unknown, path: string): string | undefined;
  /** A positive duration in whole milliseconds, or `undefined` when absent. */
  duration(value: unknown, path: string): number | undefined;
}

/** A kind's fields read from a spec, and the name a trigger gets when it sets none. */
export interface KindReading<F extends KindFields> {
  /** The kind's fields, checked. */
  readonly fields: F;
  /** The trigger's name when the spec sets none (`cron:0 17 * * 1-5`, `every:15s`). */
  readonly derivedName: string;
  /** Where the kind's value was written and as written: the key path errors found later name. */
  readonly written: { readonly path: string; readonly value: unknown };
}

/** What the scheduler lends a time-based kind when a trigger is added. */
export interface ScheduleScope {
  /** The scheduler's clock, in ms since the epoch. */
  now(): number;
  /**
   * The zone named, or the scheduler's default zone for `undefined`.
   * @throws RangeError when the runtime does not know the zone.
   */
  zone(name: string | undefined): TimeZone;
  /** A value derived once per `key` for this scheduler (parsed cron patterns); the cache is bounded. */
  memo<V>(key: string, make: () => V): V;
}

/**
 * How the scheduler serves the triggers of a time-based kind: triggers that
 * share a series key share one {@link Series} (one slot computation fanned out).
 *
 * @typeParam T - the kind's resolved trigger
 * @typeParam P - what {@link TimeKind.prepare} derives once per trigger (a parsed cron pattern)
 */
export interface TimeKind<T, P = unknown> {
  /** True for a kind that fires once (`at`, `delay`): it takes its slot whatever its arming instant, and is spent after. */
  readonly once: boolean;
  /**
   * Called once, when the trigger is added: check what depends on the
   * scheduler (its default zone, its clock) and derive what the series are
   * built from (`undefined` when the kind needs nothing).
   *
   * @throws ConfigError naming `schedule.<agent>[<name>].<field>`.
   */
  prepare?(agent: string, trigger: T, scope: ScheduleScope): P;
  /** For a one-shot kind: its instant when it already lies before `now` (the trigger is then skipped, counted `past`). */
  pastAt?(trigger: T, now: number): number | undefined;
  /** The key of the series the trigger joins when armed at `now` (`every|15000`, `once|<instant>`). */
  seriesKey(trigger: T, now: number, prepared: P): string;
  /** A new series for `key`, for a trigger armed at `now`. */
  createSeries(key: string, trigger: T, now: number, prepared: P): Series;
}

/** What a kind that is not time-based is given to build its own {@link TriggerSource}: the scheduler's options, the sink included. */
export type TriggerSourceOptions = SchedulerOptions;

/**
 * One trigger kind: how its spec is read (from YAML and from code), how a
 * hand-built trigger of it is checked, and where its ticks come from — the
 * scheduler's series (`timing`) or a source of its own (`source`). Registered
 * once in `triggerKinds`; every place that used to switch on the kind looks it
 * up there.
 *
 * @typeParam F - the kind's own fields (`{ kind: "every"; every: number }`)
 * @typeParam S - the spec the kind reads (`{ every: "15s" }`)
 */
export interface TriggerKind<F extends KindFields, S> {
  /** The kind's name: the spec key that chooses it and the resolved trigger's `kind`. */
  readonly kind: F["kind"];
  /** A spec of this kind, for the documentation and the conformance test every kind passes. */
  readonly example: S;
  /** Spec keys of this kind besides its own (`timezone` for cron): refused on a trigger of another kind. @default none */
  readonly keys?: readonly string[];
  /**
   * Set when catch-up after downtime does not apply to the kind: why, and what
   * to use instead (the words of the `ConfigError` a `catchup` on it gets). A
   * `catchup` default of `scheduler:` skips such triggers.
   * @default absent: `catchup` applies
   */
  readonly noCatchup?: string;
  /** Read the kind's fields from a spec mapping (YAML, or an object in code); throws through `reader`. */
  read(reader: SpecReader, spec: Readonly<Record<string, unknown>>, path: string): KindReading<F>;
  /** Read a bare string spec; at most one kind reads strings (cron: a string is a cron expression). */
  readString?(reader: SpecReader, spec: string, path: string): KindReading<F>;
  /**
   * Checks that depend on the trigger's final name and its agent (`undefined`
   * when the config cannot tell it), run after naming: a cron expression's first slot.
   */
  settle?(reader: SpecReader, trigger: ResolvedTriggerBase & F, written: KindReading<F>["written"], agent: string | undefined): void;
  /** Check the kind's fields of a hand-built trigger; `fail(field, expected)` throws naming the field. */
  check(trigger: Readonly<Record<string, unknown>>, fail: (field: string, expected: string) => never): void;
  /** For a time-based kind: how the scheduler serves it. Exactly one of `timing` and `source` is set. */
  readonly timing?: TimeKind<ResolvedTriggerBase & F>;
  /** For a kind that is not time-based: the source of its ticks, built once per orchestrator. */
  readonly source?: (options: TriggerSourceOptions) => TriggerSource;
}

/** The resolved trigger of a registered kind: the common options and the kind's fields. */
export type KindTrigger<K> = K extends TriggerKind<infer F, unknown> ? ResolvedTriggerBase & F : never;

/** The spec a registered kind reads. */
export type SpecOf<K> = K extends TriggerKind<KindFields, infer S> ? S : never;
