import { childPath } from "./keyPath.js";
import { durationSchema, nameSchema, nonEmptyStringSchema, type JsonSchema } from "./jsonSchemaParts.js";
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
  // an absent or empty (`null`) list checks as absent
  list: (shape, path) => ({
    type: ["array", "null"],
    items: shapeToJsonSchema(shape.item, childPath(path, "*")) ?? false,
    ...(shape.unique ? { uniqueItems: true } : {}),
  }),
  union: (shape, path) =>
    shape.object === undefined ? { enum: [...shape.literals] } : { anyOf: [{ enum: [...shape.literals] }, objectSchema(shape.object, path, false)] },
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
