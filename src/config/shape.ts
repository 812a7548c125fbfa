/**
 * A small vocabulary for describing a configuration's shape once, as data.
 * Each builder returns a plain description (a {@link Shape}) that the checker
 * walks (`checkShape`), and that carries, at the type level only, the type a
 * user writes ({@link InputOf}) and the type the check returns ({@link OutputOf}).
 * The public config types are inferred from it, and the TSDoc written on the
 * fields of an {@link object} shows on the inferred types' properties (editors,
 * typedoc), since mapped types keep the declarations they map.
 *
 * The JSON Schema of `orchestrator.yaml` comes from the same data
 * (`jsonSchema.ts`): one function per `kind`, in a table typed by the kinds,
 * so a new kind without a mapping does not compile. `string` →
 * `{ type: "string", minLength: 1 }`, `number` → `{ type: "integer" | "number",
 * minimum, maximum }`, `duration` → `{ anyOf: [{ type: "number" }, { type:
 * "string", pattern }] }`, `object` → `{ type: "object", properties,
 * additionalProperties: false }` (`required` from {@link ObjectShape.required}),
 * `record` → `{ additionalProperties, propertyNames: { pattern } }`, `list` →
 * `{ type: "array", items, uniqueItems }`, `union` →
 * `{ anyOf: [{ enum: literals }, object] }` (a {@link choice}: `{ enum: literals }`), `data` → `{}`, `external` → the
 * schema its owner gives ({@link ExternalShape.schema}: the trigger kinds'),
 * and `code` is left out (YAML cannot hold a function). Descriptions and
 * defaults come from the same place the types take them: the TSDoc of the
 * fields in `configShape.ts`, read at build time with the TypeScript compiler
 * API (`scripts/build-schema.ts`), never at run time.
 */
import type { Duration } from "../duration.js";
import type { ConfigChecker } from "./ConfigChecker.js";
import type { JsonSchema } from "./jsonSchemaParts.js";

declare const INPUT: unique symbol;
declare const OUTPUT: unique symbol;

/**
 * Type-level companions of a shape: `In` is what a configuration may hold
 * there, `Out` what the check returns (`undefined` where the key is absent).
 * Never present at run time.
 */
export interface Typed<In, Out> {
  readonly [INPUT]?: In;
  readonly [OUTPUT]?: Out;
}

/** A non-empty string. */
export interface StringShape {
  readonly kind: "string";
}

/** `true` or `false`. */
export interface BooleanShape {
  readonly kind: "boolean";
}

/** A finite number (or an integer) in `[min, max]`. */
export interface NumberShape {
  readonly kind: "number";
  /** Only integers. */
  readonly integer: boolean;
  /** Smallest value allowed. */
  readonly min: number;
  /** Largest value allowed. @default no bound */
  readonly max?: number;
  /** What the value must be, for error messages ("a non-negative integer"). */
  readonly expected: string;
}

/** A positive {@link Duration} (or zero, when {@link DurationShape.zero}); the check returns whole milliseconds. */
export interface DurationShape {
  readonly kind: "duration";
  /** Zero is allowed too (a delay that may be off). @default false */
  readonly zero?: boolean;
}

/** A mapping with known keys, each optional unless {@link ObjectShape.required}. */
export interface ObjectShape {
  readonly kind: "object";
  /** The keys, in the order error messages list them. */
  readonly fields: Readonly<Record<string, Shape>>;
  /** Every key must be present (the `{ max: N }` form of a restart policy, `state: { file }`); absent, the mapping is `undefined`. */
  readonly required: boolean;
  /** What a mapping whose keys are all required must hold, for the error a missing key gets. @default "it" */
  readonly expected?: string;
}

/** A mapping of names (agents or groups) to values of one shape. */
export interface RecordShape {
  readonly kind: "record";
  /** The shape of each value. */
  readonly value: Shape;
  /** What the keys name: each must be a valid agent or group name. */
  readonly key: "agent" | "group";
}

/** A sequence (a YAML list) of values of one shape. */
export interface ListShape {
  readonly kind: "list";
  /** The shape of each item. */
  readonly item: Shape;
  /** No item may equal another (compared with `===`). */
  readonly unique: boolean;
  /** What the list must be, for error messages ("a list of agent names, each named once"). */
  readonly expected: string;
}

/** One of a few strings, or a mapping of one shape. */
export interface UnionShape {
  readonly kind: "union";
  /** The strings accepted as they are. */
  readonly literals: readonly string[];
  /** The mapping form, when there is one. */
  readonly object: ObjectShape | undefined;
  /** What the value must be, for error messages. */
  readonly expected: string;
}

/** Free-form data given to an agent as written: any YAML value, refusing `__proto__` keys and deep nesting. */
export interface DataShape {
  readonly kind: "data";
}

/** A value whose check belongs to another module (a trigger spec): the shape only names it. */
export interface ExternalShape {
  readonly kind: "external";
  /** Validate `value` at `path`, throwing through `checker`. */
  readonly check: (checker: ConfigChecker, value: unknown, path: string) => unknown;
  /**
   * The JSON Schema of what `check` accepts, as far as a schema can tell (its
   * owner writes it beside `check`). Required to generate the config's schema.
   */
  readonly schema?: JsonSchema;
}

/** A function, which only a configuration given in code can hold. */
export interface CodeShape {
  readonly kind: "code";
  /** The function expected, for error messages ("a function (attempt, random) => ms"). */
  readonly expected: string;
  /** What to write in YAML instead, for the error a YAML value gets. */
  readonly instead: string;
}

/** Any shape node. */
export type Shape = StringShape | BooleanShape | NumberShape | DurationShape | ObjectShape | RecordShape | ListShape | UnionShape | DataShape | ExternalShape | CodeShape;

/** The type a configuration may hold where `S` applies. */
export type InputOf<S> = S extends Typed<infer In, unknown> ? In : never;

/** The type the check of `S` returns. */
export type OutputOf<S> = S extends Typed<unknown, infer Out> ? Out : never;

type Fields = Readonly<Record<string, Shape>>;

/** What an {@link object} shape accepts: every key optional (or every key required). */
export type ObjectInput<F, Required extends boolean> = Required extends true ? { -readonly [K in keyof F]-?: InputOf<F[K]> } : { -readonly [K in keyof F]?: InputOf<F[K]> };

/** What checking an {@link object} shape returns: every key, `undefined` where absent. */
export type ObjectOutput<F> = { readonly [K in keyof F]: OutputOf<F[K]> };

/** A non-empty string. */
export function string(): StringShape & Typed<string, string | undefined> {
  return { kind: "string" };
}

/** `true` or `false`. */
export function boolean(): BooleanShape & Typed<boolean, boolean | undefined> {
  return { kind: "boolean" };
}

/** An integer in `[min, max]`; `expected` says so in words, for error messages. */
export function integer(min: number, expected: string, max?: number): NumberShape & Typed<number, number | undefined> {
  return { kind: "number", integer: true, min, ...(max === undefined ? {} : { max }), expected };
}

/** A finite number in `[min, max]`; `expected` says so in words, for error messages. */
export function number(min: number, expected: string, max?: number): NumberShape & Typed<number, number | undefined> {
  return { kind: "number", integer: false, min, ...(max === undefined ? {} : { max }), expected };
}

/** A positive duration (`"30s"` or ms), checked into whole milliseconds; `{ zero: true }` allows `0` too. */
export function duration(options: { readonly zero?: boolean } = {}): DurationShape & Typed<Duration, number | undefined> {
  return options.zero === true ? { kind: "duration", zero: true } : { kind: "duration" };
}

/**
 * A mapping with the keys of `fields` (no others), each optional; absent or
 * `null`, it checks as `{}`. The TSDoc written on each field is what editors
 * and typedoc show for that key of the inferred type.
 */
export function object<const F extends Fields>(fields: F): ObjectShape & Typed<ObjectInput<F, false>, ObjectOutput<F>> {
  return { kind: "object", fields, required: false };
}

/**
 * A mapping whose keys of `fields` must all be present; absent or `null`, it
 * checks as `undefined`. `expected` says what it must hold, for the error a
 * missing key gets (`{ maxRestarts, within }`).
 */
export function requiredObject<const F extends Fields>(fields: F, expected?: string): ObjectShape & Typed<ObjectInput<F, true>, ObjectOutput<F> | undefined> {
  return expected === undefined ? { kind: "object", fields, required: true } : { kind: "object", fields, required: true, expected };
}

/** A mapping of agent or group names to values of `value`; absent or `null`, it checks as empty. */
export function record<S extends Shape>(key: "agent" | "group", value: S): RecordShape & Typed<Record<string, InputOf<S>>, Readonly<Record<string, OutputOf<S>>>> {
  return { kind: "record", value, key };
}

/**
 * A list of values of `item`; absent or `null`, it checks as `undefined`. With
 * `unique`, an item equal to an earlier one is refused. `expected` says what
 * the list must be, for error messages.
 *
 * @example
 * ```ts
 * const dependsOn = list(string(), { unique: true, expected: "a list of agent names, each named once" });
 * ```
 */
export function list<S extends Shape & Typed<unknown, unknown>>(
  item: S,
  options: { readonly unique?: boolean; readonly expected: string },
): ListShape & Typed<ReadonlyArray<InputOf<S>>, ReadonlyArray<Exclude<OutputOf<S>, undefined>> | undefined> {
  return { kind: "list", item, unique: options.unique === true, expected: options.expected };
}

/** One of `literals`, or a mapping of `form`; `expected` names them all, for error messages. */
export function union<const L extends string, O extends ObjectShape & Typed<unknown, unknown>>(
  literals: readonly L[],
  form: O,
  expected: string,
): UnionShape & Typed<L | InputOf<O>, L | OutputOf<O> | undefined> {
  return { kind: "union", literals, object: form, expected };
}

/** One of `literals`, and nothing else; `expected` names them, for error messages. */
export function choice<const L extends string>(literals: readonly L[], expected: string): UnionShape & Typed<L, L | undefined> {
  return { kind: "union", literals, object: undefined, expected };
}

/** Free-form data, passed on as written. */
export function data(): DataShape & Typed<unknown, unknown> {
  return { kind: "data" };
}

/**
 * A value checked by another module's `check`, typed `In` as written and `Out`
 * once checked; `schema` is its JSON Schema (needed for the config's schema).
 */
export function external<In, Out>(check: (checker: ConfigChecker, value: unknown, path: string) => Out, schema?: JsonSchema): ExternalShape & Typed<In, Out> {
  return schema === undefined ? { kind: "external", check } : { kind: "external", check, schema };
}

/** A function of type `F`, given in code only; `instead` names what YAML sets instead. */
export function code<F>(expected: string, instead: string): CodeShape & Typed<F, F | undefined> {
  return { kind: "code", expected, instead };
}

/** The run-time node of a typed shape, without its type-level companions. */
export type NodeOf<S> = Extract<Shape, { readonly kind: S extends { readonly kind: infer K } ? K : never }>;

/**
 * `shape`, typed with the named interface `T` (which must accept what `shape`
 * accepts), so that the types built around it show the name, not its expansion.
 *
 * @example
 * ```ts
 * const agents = record("agent", named<AgentEntryConfig>()(agentEntryShape));
 * ```
 */
export function named<T>(): <S extends Shape & Typed<unknown, unknown>>(shape: S & (InputOf<S> extends T ? unknown : never)) => NodeOf<S> & Typed<T, OutputOf<S>> {
  return (shape) => shape as never;
}
