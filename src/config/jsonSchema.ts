import { configShape } from "./configShape.js";
import { JSON_SCHEMA_DIALECT, type JsonSchema } from "./jsonSchemaParts.js";
import { shapeToJsonSchema } from "./shapeJsonSchema.js";

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
