// @acme/agent-orchestrator/schema.json: imported with a JSON import attribute and required through createRequire
import { createRequire } from "node:module";
import schema from "@acme/agent-orchestrator/schema.json" with { type: "json" };

const required = createRequire(import.meta.url)("@acme/agent-orchestrator/schema.json");
if (schema.$schema !== "http://json-schema.org/draft-07/schema#") throw new Error(`unexpected $schema ${schema.$schema}`);
if (typeof schema.properties?.agents !== "object") throw new Error("the schema has no agents property");
if (JSON.stringify(required) !== JSON.stringify(schema)) throw new Error("require() and import give different schemas");
console.log("schema ok");
