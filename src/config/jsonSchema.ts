import { configShape } from "./configShape.js";
import { childPath } from "./keyPath.js";
import { durationSchema, JSON_SCHEMA_DIALECT, nameSchema, nonEmptyStringSchema, type JsonSchema } from "./jsonSchemaParts.js";
import type { ObjectShape, Shape } from "./shape.js";

/** The schema of a shape node at a key path, or `undefined` for a node YAML cannot hold (`code`). */
type ToJsonSchema<K extends Shape["kind"]> = (shape: Extract<Shape, { kind: K }>, path: string) => JsonSchema | undefined;

/**
 * One mapping per kind of shape, beside the checker's table (`checkShape.ts`):
 * typed by the kinds, so a new kind without its mapping does not compile.
 */
const TO_JSON_SCHEMA: { readonly [K in Shape["kind"]]: ToJsonSchema<K> } = {
  string: () => nonEmptyStringSchema(),
  boolean: () => ({ type: "boolean" }),
  number: (shape) => ({ type: shape.integer ? "integer" : "number", minimum: shape.min, ...(shape.max === undefined ? {} : { maximum: shape.max }) }),
  duration: (shape) => durationSchema(shape.zero === true),
  // an absent or empty (`null`) mapping checks as `{}`
  object: (shape, path) => objectSchema(shape, path, true),
  record: (shape, path) => ({
    type: ["object", "null"],
    propertyNames: nameSchema(),
    additionalProperties: shapeToJsonSchema(shape.value, childPath(path, "*")) ?? false,
  }),
  union: (shape, path) => ({
    anyOf: [{ enum: [...shape.literals] }, ...(shape.object === undefined ? [] : [objectSchema(shape.object, path, false)])],
  }),
  data: () => ({}),
  external: (shape, path) => {
    if (shape.schema === undefined) throw new TypeError(`the external shape at ${path || "the root"} gives no JSON Schema: pass one to external(check, schema)`);
    return shape.schema;
  },
  code: () => undefined,
};

/** An object shape: its keys (those YAML can hold), no others; all of them when it is required. */
function objectSchema(shape: ObjectShape, path: string, nullable: boolean): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const [key, field] of Object.entries(shape.fields)) {
    const schema = shapeToJsonSchema(field, childPath(path, key));
    if (schema !== undefined) properties[key] = schema;
  }
  return {
    type: nullable ? ["object", "null"] : "object",
    properties,
    ...(shape.required ? { required: Object.keys(properties) } : {}),
    additionalProperties: false,
  };
}

/**
 * The JSON Schema (draft-07) of what `shape` accepts, as far as a schema can
 * tell; `undefined` for a shape YAML cannot hold (a function). `path` names
 * the node in errors (record entries as `*`).
 */
export function shapeToJsonSchema(shape: Shape, path = ""): JsonSchema | undefined {
  const toSchema = TO_JSON_SCHEMA[shape.kind] as (shape: Shape, path: string) => JsonSchema | undefined;
  return toSchema(shape, path);
}

/** Options of {@link configJsonSchema}. */
export interface ConfigJsonSchemaOptions {
  /** The schema's `$id`. @default none */
  readonly id?: string;
}

/** Where the published schema of `version` is served from: its `$id`. */
export function schemaUrl(version: string): string {
  return `https://unpkg.com/@acme/agent-orchestrator@${version}/dist/schema.json`;
}

/**
 * The JSON Schema of `orchestrator.yaml`, generated from the configuration's
 * shape (`configShape.ts`): structure, types, ranges, enums, unknown keys and
 * the form of durations, names, cron strings and instants. What relates keys
 * to each other (a group that must exist, a cron expression with a slot, a
 * module that loads) stays with `loadConfig` and `createOrchestrator`.
 * Descriptions and defaults are added at build time from the shape's TSDoc.
 */
export function configJsonSchema(options: ConfigJsonSchemaOptions = {}): JsonSchema {
  const body = shapeToJsonSchema(configShape) as JsonSchema;
  return {
    $schema: JSON_SCHEMA_DIALECT,
    ...(options.id === undefined ? {} : { $id: options.id }),
    title: "@acme/agent-orchestrator configuration (orchestrator.yaml)",
    description: "The configuration read by loadConfig(): agents, groups, supervisor timings, schedule, shutdown and HTTP listeners.",
    ...body,
  };
}
