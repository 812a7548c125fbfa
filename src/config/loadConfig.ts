import { resolve } from "node:path";
import { expected } from "../check.js";
import { invalidOption } from "../errors/invalidOption.js";
import { checkConfig } from "./checkConfig.js";
import { ConfigChecker, isPlainObject } from "./ConfigChecker.js";
import { attachConfigSource } from "./ConfigSource.js";
import { configShape } from "./configShape.js";
import type { OrchestratorConfig } from "./OrchestratorConfig.js";
import { parseYaml } from "./parseYaml.js";
import { readConfigFile } from "./readConfigFile.js";
import type { ObjectShape } from "./shape.js";

/**
 * Read and validate a YAML configuration file. Parsing is safe and bounded (at
 * most 1 MiB, 100 levels and 100,000 nodes once aliases are expanded; YAML 1.2
 * core schema, no custom tags, unique keys); everything that can be
 * checked without the agents registered in code is checked here,
 * `agents.<name>.module` paths are resolved against the file's directory into
 * `file:` URLs, and a relative `state.file` into an absolute path against it. The returned object remembers (invisibly) the file and the line
 * and column of each key, so the errors `createOrchestrator()` finds later
 * still point into the file.
 *
 * Loading agent modules named in the file executes their code with the
 * privileges of the process: the file's author is trusted.
 *
 * @throws ConfigError `INVALID_OPTION` when `path` is not a non-empty string
 * @throws ConfigError when the file cannot be read, is larger than
 *   `MAX_CONFIG_BYTES`, is not valid YAML, expands past `MAX_CONFIG_NODES`, or
 *   holds an invalid configuration; the message starts with `file:line:column (key path)`.
 *
 * @example
 * ```ts
 * const config = await loadConfig("./orchestrator.yaml");
 * const orch = createOrchestrator({ agents: [RiskAgent], config });
 * ```
 */
export async function loadConfig(path: string): Promise<OrchestratorConfig> {
  if (typeof path !== "string" || path === "") {
    throw invalidOption(`loadConfig: ${expected("path", "a non-empty file path", path)}`, "path", path);
  }
  const file = resolve(path);
  const text = await readConfigFile(file);
  const { value, source } = parseYaml(text, file);
  const checked = checkConfig(value, new ConfigChecker(source));

  const config: Record<string, unknown> = isPlainObject(value) ? value : {};
  dropNullMappings(configShape, config);
  const agents = config["agents"];
  if (isPlainObject(agents)) {
    for (const [name, entry] of Object.entries(checked.agents)) {
      const raw = agents[name];
      if (entry.module !== undefined && isPlainObject(raw)) raw["module"] = entry.module;
    }
  }
  const state = config["state"];
  if (checked.state !== undefined && isPlainObject(state)) state["file"] = checked.state.file;
  attachConfigSource(config, source);
  return config;
}

/**
 * An empty YAML section (its entries commented out) parses as `null` and means
 * "absent": drop each `null` mapping or list the shape has (a section, `crashLoop`,
 * `supervisor.backoff`, `dependsOn`), and make each `null` entry of a record of mappings
 * (`agents.<name>:`, `groups.<name>:`) an empty one.
 */
function dropNullMappings(shape: ObjectShape, object: Record<string, unknown>): void {
  for (const [key, field] of Object.entries(shape.fields)) {
    const value = object[key];
    if (value === null && (field.kind === "object" || field.kind === "record" || field.kind === "list")) delete object[key];
    else if (field.kind === "object" && isPlainObject(value)) dropNullMappings(field, value);
    else if (field.kind === "record" && field.value.kind === "object" && isPlainObject(value)) {
      for (const [name, entry] of Object.entries(value)) {
        if (entry === null) value[name] = {};
        else if (isPlainObject(entry)) dropNullMappings(field.value, entry);
      }
    }
  }
}
