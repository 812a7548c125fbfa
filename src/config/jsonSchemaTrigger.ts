import type { TRIGGER_OPTION_KEYS } from "../schedule/ScheduleSpec.js";
import { MISFIRE_POLICIES, OVERLAP_POLICIES } from "../schedule/ScheduleSpec.js";
import { triggerKind, TRIGGER_KIND_NAMES, type TriggerKindName } from "../schedule/triggerKinds.js";
import { MAX_CRON_LENGTH } from "../schedule/cronFields.js";
import { durationSchema, nonEmptyStringSchema, type JsonSchema } from "./jsonSchemaParts.js";
import { shapeToJsonSchema } from "./shapeJsonSchema.js";
import { catchupShape, deliveryShape } from "./triggerPolicies.js";

/** What the schema tells of one trigger kind: the value of its key, and its own other keys (`timezone`). */
export interface TriggerKindSchema {
  /** The schema of the kind's key (`cron: "0 17 * * 1-5"`). */
  readonly value: JsonSchema;
  /** The kind's own keys besides it (the kind's `keys`), each with its schema. */
  readonly keys: Readonly<Record<string, JsonSchema>>;
}

/**
 * A cron string as far as a pattern tells: 5 or 6 fields, or a macro such as
 * `@daily`. Field values, ranges and whether the expression has a slot are the
 * checker's.
 */
const CRON_SCHEMA: JsonSchema = { type: "string", maxLength: MAX_CRON_LENGTH, pattern: String.raw`^\s*(?:@[A-Za-z]+|\S+(?:\s+\S+){4,5})\s*$` };

/** An ISO 8601 instant with a zone designator; impossible dates are the checker's. */
const INSTANT_SCHEMA: JsonSchema = {
  type: "string",
  pattern: String.raw`^\s*\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?(?:[Zz]|[+-]\d{2}:?\d{2})\s*$`,
};

/**
 * One entry per registered trigger kind (typed by the kinds' table, so a new
 * kind without its schema does not compile).
 */
export const TRIGGER_KIND_SCHEMAS: { readonly [K in TriggerKindName]: TriggerKindSchema } = {
  cron: { value: CRON_SCHEMA, keys: { timezone: nonEmptyStringSchema() } },
  at: { value: INSTANT_SCHEMA, keys: {} },
  delay: { value: durationSchema(), keys: {} },
  every: { value: durationSchema(), keys: {} },
};

/** The options every trigger mapping may carry (`TRIGGER_OPTION_KEYS`). */
const OPTION_SCHEMAS: { readonly [K in (typeof TRIGGER_OPTION_KEYS)[number]]: JsonSchema } = {
  name: nonEmptyStringSchema(),
  overlap: { enum: [...OVERLAP_POLICIES] },
  misfire: { enum: [...MISFIRE_POLICIES] },
  misfireGrace: durationSchema(),
  timeout: durationSchema(),
  catchup: shapeToJsonSchema(catchupShape) as JsonSchema,
  delivery: shapeToJsonSchema(deliveryShape) as JsonSchema,
};

/**
 * A trigger mapping of `kind`: its key (required), its own keys and the common
 * options (without `catchup` for a kind catch-up does not cover), nothing else.
 */
function kindMapping(kind: TriggerKindName): JsonSchema {
  const { value, keys } = TRIGGER_KIND_SCHEMAS[kind];
  const covered = triggerKind(kind)?.noCatchup === undefined;
  const { catchup, ...options } = OPTION_SCHEMAS;
  return {
    type: "object",
    properties: { [kind]: value, ...keys, ...options, ...(covered ? { catchup } : {}) },
    required: [kind],
    additionalProperties: false,
  };
}

/**
 * The JSON Schema of one trigger: a cron string, or a mapping with exactly one
 * kind key (`cron`, `at`, `delay`, `every`) and the options; the kinds' order
 * follows their registration (`triggerKinds`).
 */
export function triggerJsonSchema(): JsonSchema {
  return { anyOf: triggerForms() };
}

/** The JSON Schema of `schedule.<agent>`: one trigger, or a list of triggers. */
export function scheduleJsonSchema(): JsonSchema {
  return { anyOf: [...triggerForms(), { type: "array", items: triggerJsonSchema() }] };
}

/** A cron string, then one mapping per kind. */
function triggerForms(): JsonSchema[] {
  return [CRON_SCHEMA, ...TRIGGER_KIND_NAMES.map(kindMapping)];
}
