import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv } from "ajv";
import { describe, expect, test } from "vitest";
import { configShape } from "../../src/config/configShape.js";
import { configJsonSchema } from "../../src/config/jsonSchema.js";
import { TRIGGER_KIND_SCHEMAS } from "../../src/config/jsonSchemaTrigger.js";
import { loadConfig } from "../../src/config/loadConfig.js";
import { parseYaml } from "../../src/config/parseYaml.js";
import type { Shape } from "../../src/config/shape.js";
import { triggerKinds } from "../../src/schedule/triggerKinds.js";

// The JSON Schema is generated from the shape the checker walks: it accepts every configuration the
// checker accepts (the examples, the accepted fixtures) and refuses every structural mistake the
// bad-input tests give the checker (test/badInput/config.test.ts, test/fixtures/config). What needs
// more than the value's own form stays with the checker, listed below on purpose.

const root = fileURLToPath(new URL("../..", import.meta.url));
const ajv = new Ajv({ strict: true, allowUnionTypes: true });
const validate = ajv.compile(configJsonSchema());
const accepts = (config: unknown): boolean => validate(config) === true;

function yamlFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true, encoding: "utf8" })
    .filter((name) => name.endsWith(".yaml"))
    .map((name) => join(root, dir, name));
}

const parse = (file: string): unknown => parseYaml(readFileSync(file, "utf8"), file).value;

/** A config with `value` at the dotted `path`. */
function at(path: string, value: unknown): Record<string, unknown> {
  const keys = path.split(".");
  const config: Record<string, unknown> = {};
  let node = config;
  keys.forEach((key, i) => {
    if (i === keys.length - 1) node[key] = value;
    else node = node[key] = {} as Record<string, unknown>;
  });
  return config;
}

describe("the JSON Schema accepts what loadConfig accepts", () => {
  test.each(yamlFiles("examples").map((file) => [relative(root, file), file]))("example %s", async (_name, file) => {
    await loadConfig(file);
    expect(validate(parse(file)), JSON.stringify(validate.errors)).toBe(true);
  });

  test("every fixture loadConfig accepts, and the schema refuses every other one whose mistake is structural", async () => {
    // refused by loadConfig for a reason the schema cannot see (file: why)
    const outOfReach: Record<string, string> = {
      "alias-bomb.yaml": "YAML: alias expansion past the node budget",
      "binary-tag.yaml": "YAML: a tag",
      "custom-tag.yaml": "YAML: a tag",
      "js-function-tag.yaml": "YAML: a tag",
      "duplicate-key.yaml": "YAML: a duplicate key",
      "merge-key.yaml": "YAML: a merge key",
      "multi-document.yaml": "YAML: several documents",
      "syntax-error.yaml": "YAML: a syntax error",
      "bad-cron.yaml": "semantic: a cron field out of range",
      "unknown-agent.yaml": "semantic: a schedule for an agent the config does not name",
      "proto-config.yaml": "semantic: __proto__ inside an agent's free-form config",
    };
    const seen = { accepted: 0, refused: 0 };
    for (const file of yamlFiles("test/fixtures/config")) {
      const name = relative(join(root, "test/fixtures/config"), file);
      const loaded = await loadConfig(file).then(
        () => true,
        () => false,
      );
      if (loaded) {
        seen.accepted++;
        expect(validate(parse(file)), `${name}: ${JSON.stringify(validate.errors)}`).toBe(true);
      } else if (Object.hasOwn(outOfReach, name)) {
        continue;
      } else {
        seen.refused++;
        expect(accepts(parse(file)), `${name} is refused by loadConfig, but the schema accepts it`).toBe(false);
      }
    }
    expect(seen.accepted).toBeGreaterThanOrEqual(4);
    expect(seen.refused).toBeGreaterThanOrEqual(5);
  });
});

// From test/badInput/config.test.ts: each key given a value of the wrong type.
const WRONG_TYPES: ReadonlyArray<readonly [path: string, value: unknown]> = [
  ["chief", 42], ["agents", "a"], ["agents.a", "data"], ["agents.a.group", 5], ["agents.a.module", 5], ["agents.a.export", ["Feed"]],
  ["agents.a.enabled", "yes"], ["agents.a.heartbeatTimeout", true], ["groups", ["data"]], ["groups.g", 5], ["groups.g.restart", 5],
  ["groups.g.crashLoop", "3 in 5m"], ["groups.g.crashLoop.maxCrashes", "3"], ["groups.g.crashLoop.within", {}], ["groups.g.escalateAfter", 1.5],
  ["groups.g.critical", "no"], ["supervisor", "fast"], ["supervisor.backoff", 5], ["supervisor.backoff.initial", [1]], ["supervisor.backoff.max", false],
  ["supervisor.backoff.factor", "2"], ["supervisor.backoff.jitter", "0.2"], ["supervisor.resetAfter", {}], ["supervisor.startTimeout", "fast"],
  ["supervisor.stopTimeout", true], ["schedule", "* * * * *"], ["schedule.a", 42], ["schedule.a.every", true], ["schedule.a.delay", []],
  ["schedule.a.cron", 5], ["schedule.a.at", 17], ["shutdown", 30], ["shutdown.timeout", "never"], ["http", 8000], ["http.healthPort", "8000"],
  ["http.metricsPort", 80.5], ["http.host", 5], ["scheduler", 5], ["scheduler.catchup", "1h"], ["scheduler.catchup.window", true],
  ["scheduler.catchup.runs", 5], ["scheduler.delivery", 5], ["state", "./state.json"], ["state.file", 5],
  ["groups.g.parent", 5], ["groups.g.strategy", 5], ["groups.g.intensity", "5 in 1m"], ["groups.g.intensity.maxRestarts", "5"],
  ["groups.g.intensity.within", true], ["agents.a.dependsOn", "feed"], ["agents.a.dependsOn", { feed: true }],
];

const DURATIONS = ["groups.g.intensity.within", "supervisor.backoff.initial", "supervisor.backoff.max", "supervisor.resetAfter", "supervisor.startTimeout", "supervisor.stopTimeout", "groups.g.crashLoop.within", "agents.a.heartbeatTimeout", "shutdown.timeout", "schedule.a.every", "schedule.a.delay"];

/** Structural mistakes, from test/badInput/config.test.ts and test/config: what the schema must refuse. */
const STRUCTURAL: ReadonlyArray<readonly [what: string, config: unknown]> = [
  ...WRONG_TYPES.map(([path, value]) => [`${path}: ${JSON.stringify(value)}`, at(path, value)] as const),
  ...DURATIONS.flatMap((path) => [0, -1, "0s", "-5m", "5 minutes"].map((value) => [`${path}: ${JSON.stringify(value)}`, at(path, value)] as const)),
  ...["timeout", "misfireGrace"].flatMap((key) => [0, -1].map((value) => [`schedule.a.${key}: ${value}`, { schedule: { a: { every: "1m", [key]: value } } }] as const)),
  ["schedule.a.timezone: 5", { schedule: { a: { cron: "* * * * *", timezone: 5 } } }],
  ["schedule.a.name: 5", { schedule: { a: { every: "1m", name: 5 } } }],
  ["schedule.a.overlap: a bad enum", { schedule: { a: { every: "1m", overlap: "sometimes" } } }],
  ["schedule.a.misfire: true", { schedule: { a: { every: "1m", misfire: true } } }],
  ["schedule.a.misfireGrace: soon", { schedule: { a: { every: "1m", misfireGrace: "soon" } } }],
  ["schedule.a.timeout: []", { schedule: { a: { every: "1m", timeout: [] } } }],
  ["schedule.a.catchup: a string", { schedule: { a: { every: "1m", catchup: "1h" } } }],
  ["schedule.a.catchup.window: soon", { schedule: { a: { every: "1m", catchup: { window: "soon" } } } }],
  ["schedule.a.catchup.window: negative", { schedule: { a: { cron: "0 16 * * *", catchup: { window: -1 } } } }],
  ["schedule.a.catchup.runs: a bad enum", { schedule: { a: { cron: "0 16 * * *", catchup: { runs: "latests" } } } }],
  ["schedule.a.delivery: a bad enum", { schedule: { a: { at: "2026-12-01T14:30:00Z", delivery: "exactly-once" } } }],
  ["catchup on a delay trigger", { schedule: { a: { delay: "30s", catchup: { window: "1h" } } } }],
  ["scheduler.catchup.window: negative", { scheduler: { catchup: { window: "-5m" } } }],
  ["scheduler.catchup.runs: a bad enum", { scheduler: { catchup: { runs: "every" } } }],
  ["scheduler.delivery: a bad enum", { scheduler: { delivery: "at-least-one" } }],
  ["state without its file", { state: {} }],
  ["groups.g.strategy: a bad enum", { groups: { g: { strategy: "all_for_one" } } }],
  ["groups.g.intensity without within", { groups: { g: { intensity: { maxRestarts: 3 } } } }],
  ["groups.g.intensity without maxRestarts", { groups: { g: { intensity: { within: "1m" } } } }],
  ["groups.g.intensity.maxRestarts: negative", { groups: { g: { intensity: { maxRestarts: -1, within: "1m" } } } }],
  ["groups.g.intensity.maxRestarts: a fraction", { groups: { g: { intensity: { maxRestarts: 1.5, within: "1m" } } } }],
  ["groups.g.parent: empty", { groups: { g: { parent: "" } } }],
  ["agents.a.dependsOn: an item that is not a string", { agents: { a: { dependsOn: ["feed", 5] } } }],
  ["agents.a.dependsOn: an empty name", { agents: { a: { dependsOn: [""] } } }],
  ["agents.a.dependsOn: a name twice", { agents: { a: { dependsOn: ["feed", "feed"] } } }],
  ["state.file empty", { state: { file: "" } }],
  ["groups.g.restart: a near literal", { groups: { g: { restart: "fail_stop" } } }],
  ["groups.g.restart: { max: -1 }", { groups: { g: { restart: { max: -1 } } } }],
  ["groups.g.restart: {} without max", { groups: { g: { restart: {} } } }],
  ["supervisor.backoff.jitter above 1", { supervisor: { backoff: { jitter: 1.5 } } }],
  ["supervisor.backoff.factor below 1", { supervisor: { backoff: { factor: 0.5 } } }],
  ["http.healthPort above 65535", { http: { healthPort: 65_536 } }],
  ["groups.g.backoff in YAML (a function in code only)", { groups: { g: { backoff: "exponential" } } }],
  ["a trigger with two kinds", { schedule: { a: { every: "1m", delay: "5s" } } }],
  ["a trigger with no kind", { schedule: { a: { overlap: "skip" } } }],
  ["timezone on an every trigger", { schedule: { a: { every: "1m", timezone: "UTC" } } }],
  ["a list item that is not a trigger", { schedule: { a: [{ every: "1m" }, 5] } }],
  ["a null trigger", { schedule: { a: null } }],
  ...["shedule", "agents.a.modul", "groups.g.restrat", "groups.g.crashLoop.maxCrash", "supervisor.retries", "supervisor.backoff.jiter", "shutdown.timout", "http.port"].map((path) => [`unknown key ${path}`, at(path, 1)] as const),
  ["unknown key groups.g.restart.maxx", { groups: { g: { restart: { maxx: 1 } } } }],
  ["unknown key schedule.a.evry", { schedule: { a: { every: "1m", evry: 1 } } }],
  ...["scheduler.catchUp", "scheduler.catchup.windw", "state.path"].map((path) => [`unknown key ${path}`, at(path, 1)] as const),
  ["unknown key schedule.a.catchup.run", { schedule: { a: { every: "1m", catchup: { run: "all" } } } }],
  ...["* * *", "* * * * * * *", "every minute", "", "   "].map((cron) => [`cron ${JSON.stringify(cron)}`, { schedule: { a: cron } }] as const),
  ...["tomorrow", "2026-12-01 14:30", "2026-12-01T14:30:00"].map((value) => [`at ${JSON.stringify(value)}`, { schedule: { a: { at: value } } }] as const),
  ...["market.data", "a b", "", "é", "x/y", "a".repeat(129), "__proto__", "constructor", "prototype"].flatMap((name) => [
    [`agent name ${JSON.stringify(name)}`, { agents: { [name]: { module: "./x.js" } } }] as const,
    [`schedule name ${JSON.stringify(name)}`, { schedule: { [name]: "* * * * *" } }] as const,
    [`group name ${JSON.stringify(name)}`, { groups: { [name]: {} } }] as const,
  ]),
  ["a list as the whole configuration", ["chief", "risk"]],
  ["an empty chief", { chief: " " }],
];

/**
 * Out of the schema's reach on purpose: what depends on other keys, on the agents registered in code,
 * on a time zone database, a calendar, a module on disk or the YAML text itself. The checker and
 * createOrchestrator() refuse each of them with a positioned ConfigError (their own tests).
 */
const SEMANTIC: ReadonlyArray<readonly [what: string, config: unknown]> = [
  ["a cron field out of range", { schedule: { a: "61 * * * *" } }],
  ["a cron step of 0", { schedule: { a: "*/0 * * * *" } }],
  ["a cron expression without any slot", { schedule: { a: "0 0 31 2 *" } }],
  ["an unknown time zone", { schedule: { a: { cron: "0 17 * * *", timezone: "Mars/Olympus" } } }],
  ["an impossible date", { schedule: { a: { at: "2026-13-01T00:00:00Z" } } }],
  ["an unknown group", { agents: { a: { group: "nowhere" } } }],
  ["export without module", { agents: { a: { export: "Feed" } } }],
  ["back-off max below initial", { supervisor: { backoff: { initial: "10s", max: "1s" } } }],
  ["a chief that is not a valid agent name", { chief: "market.data" }],
  ["__proto__ inside an agent's config", JSON.parse('{ "agents": { "a": { "config": { "x": { "__proto__": 1 } } } } }') as unknown],
  ["a duration that rounds to 0 ms", { shutdown: { timeout: "0.1ms" } }],
  ["a module that cannot be found (createOrchestrator, validate)", { agents: { a: { module: "./missing.js" } } }],
  ["an unknown parent group", { groups: { g: { parent: "nowhere" } } }],
  ["a cycle of parent groups", { groups: { a: { parent: "b" }, b: { parent: "a" } } }],
  ["a group nine levels deep", { groups: Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`g${i}`, i === 0 ? {} : { parent: `g${i - 1}` }])) }],
  ["an agent that depends on itself", { agents: { a: { dependsOn: ["a"] } } }],
  ["a cycle of dependencies", { agents: { a: { dependsOn: ["b"] }, b: { dependsOn: ["a"] } } }],
  ["a dependency on an agent registered nowhere (createOrchestrator)", { agents: { a: { dependsOn: ["nowhere"] } } }],
];

describe("the JSON Schema refuses structural mistakes", () => {
  test.each(STRUCTURAL)("%s", (_what, config) => {
    expect(accepts(config)).toBe(false);
  });

  test.each(SEMANTIC)("out of its reach, accepted by the schema, refused by the checker: %s", (_what, config) => {
    expect(accepts(config)).toBe(true);
  });
});

/** Every key path a shape defines that YAML can hold (record entries as `*`; `code` keys left out). */
function shapeKeys(shape: Shape, path: string, keys: string[]): string[] {
  if (shape.kind === "object") for (const [key, field] of Object.entries(shape.fields)) {
    if (field.kind === "code") continue;
    keys.push(`${path}${key}`);
    shapeKeys(field, `${path}${key}.`, keys);
  }
  if (shape.kind === "record") shapeKeys(shape.value, `${path}*.`, keys);
  if (shape.kind === "union" && shape.object !== undefined) shapeKeys(shape.object, path, keys);
  return keys;
}

/** Every key path of a schema's `properties`, through records and `anyOf` (not into external schemas: `stop`). */
function schemaKeys(schema: Record<string, unknown>, path: string, keys: string[], stop: (path: string) => boolean): string[] {
  if (stop(path)) return keys;
  for (const [key, property] of Object.entries((schema["properties"] ?? {}) as Record<string, Record<string, unknown>>)) {
    keys.push(`${path}${key}`);
    schemaKeys(property, `${path}${key}.`, keys, stop);
  }
  const additional = schema["additionalProperties"];
  if (typeof additional === "object" && additional !== null) schemaKeys(additional as Record<string, unknown>, `${path}*.`, keys, stop);
  for (const branch of (schema["anyOf"] ?? []) as Array<Record<string, unknown>>) schemaKeys(branch, path, keys, stop);
  return keys;
}

describe("the JSON Schema and the checker share one key set", () => {
  test("every key of the config shape is a key of the schema, and no other", () => {
    const expected = shapeKeys(configShape, "", []).sort();
    const actual = [...new Set(schemaKeys(configJsonSchema(), "", [], (path) => path === "schedule.*."))].sort();
    expect(actual).toEqual(expected);
    expect(actual).toContain("groups.*.restart.max");
    expect(actual).not.toContain("groups.*.backoff");
    expect(actual).toEqual(expect.arrayContaining(["groups.*.parent", "groups.*.strategy", "groups.*.intensity.maxRestarts", "groups.*.intensity.within", "agents.*.dependsOn"]));
  });

  test("every trigger kind has its schema, with the kind's own keys", () => {
    expect(Object.keys(TRIGGER_KIND_SCHEMAS).sort()).toEqual(Object.keys(triggerKinds).sort());
    for (const [name, kind] of Object.entries(triggerKinds)) {
      expect(Object.keys(TRIGGER_KIND_SCHEMAS[name as keyof typeof triggerKinds].keys).sort(), name).toEqual([...("keys" in kind ? kind.keys : [])].sort());
    }
  });

  test("the schema is draft-07 with a title, and an $id when given", () => {
    const schema = configJsonSchema({ id: "https://example.test/schema.json" });
    expect(schema).toMatchObject({ $schema: "http://json-schema.org/draft-07/schema#", $id: "https://example.test/schema.json", title: expect.any(String) as unknown });
    expect(ajv.validateSchema(schema)).toBe(true);
  });
});

describe("the shipped schema's descriptions and defaults come from the shape's TSDoc", () => {
  test("each documented key carries its description, and its @default when that is a value", async () => {
    const { annotateSchema } = await import("../../scripts/schemaDocs.js");
    const schema = annotateSchema(configJsonSchema()) as { properties: Record<string, { properties?: Record<string, Record<string, unknown>> }> };
    expect(schema.properties["shutdown"]?.properties?.["timeout"]).toMatchObject({ description: expect.stringContaining("Bounds the whole shutdown") as unknown, default: "30s" });
    expect(schema.properties["http"]?.properties?.["healthPort"]).toMatchObject({ default: 8000 });
    expect(schema.properties["supervisor"]?.properties?.["backoff"]?.["properties"]).toMatchObject({ jitter: { default: 0.2, maximum: 1 } });
    const group = (schema.properties["groups"] as { additionalProperties: { properties: Record<string, Record<string, unknown>> } }).additionalProperties.properties;
    expect(group["strategy"]).toMatchObject({ default: "one_for_one", description: expect.stringContaining("`rest_for_one` the crashed child") as unknown });
    expect(group["intensity"]).toMatchObject({ required: ["maxRestarts", "within"], description: expect.stringContaining("fails the group as a whole") as unknown });
    const agent = (schema.properties["agents"] as { additionalProperties: { properties: Record<string, Record<string, unknown>> } }).additionalProperties.properties;
    expect(agent["dependsOn"]).toMatchObject({ uniqueItems: true, description: expect.stringContaining("must be running before this one starts") as unknown });
    expect(new Ajv({ strict: true, allowUnionTypes: true }).compile(schema)({ shutdown: { timeout: "5s" } })).toBe(true);
  }, 20_000);
});
