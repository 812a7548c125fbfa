// Writes dist/schema.json, the JSON Schema of orchestrator.yaml: generated from the configuration's shape
// (src/config/jsonSchema.ts), with descriptions and defaults from its TSDoc (scripts/schemaDocs.ts).
// Run by `npm run build` after tsup.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { configJsonSchema, schemaUrl } from "../src/config/jsonSchema.js";
import { annotateSchema } from "./schemaDocs.js";

const root = new URL("../", import.meta.url);
const pkg = JSON.parse(readFileSync(new URL("package.json", root), "utf8")) as { version: string };
const schema = annotateSchema(configJsonSchema({ id: schemaUrl(pkg.version) }));
mkdirSync(new URL("dist/", root), { recursive: true });
writeFileSync(new URL("dist/schema.json", root), `${JSON.stringify(schema, null, 2)}\n`);
console.log("dist/schema.json written");
