import { describe, expect, test } from "vitest";
import { checkShape } from "../../src/config/checkShape.js";
import { ConfigChecker } from "../../src/config/ConfigChecker.js";
import { boolean, code, data, duration, external, integer, list, number, object, record, requiredObject, string, union, type Shape } from "../../src/config/shape.js";
import { ConfigError } from "../../src/errors/ConfigError.js";

// The checker walks a shape, one check per kind: each row gives a shape, a value and either what the
// check returns or the message of the ConfigError it throws (at key path "k").

const restart = union(["always", "fail-stop"], requiredObject({ max: integer(0, "a non-negative integer") }), "a policy");
const onlyFunctions = code<() => number>("a function () => ms", "supervisor.backoff");
const names = list(string(), { unique: true, expected: "a list of names, each once" });
const window = requiredObject({ n: integer(0, "a count"), within: duration() }, "{ n, within }");
const doubled = external<number, number>((checker, value, path) => (typeof value === "number" ? value * 2 : checker.expected(path, "a number", value)));

const ACCEPTS: ReadonlyArray<readonly [kind: string, shape: Shape, value: unknown, checked: unknown]> = [
  ["string", string(), "x", "x"],
  ["string, absent", string(), undefined, undefined],
  ["boolean", boolean(), false, false],
  ["integer at its bounds", integer(0, "a port", 65_535), 65_535, 65_535],
  ["number", number(0, "a share", 1), 0.5, 0.5],
  ["duration as text", duration(), "1.5s", 1_500],
  ["duration in ms, rounded", duration(), 2.4, 2],
  ["object, absent", object({ a: string() }), undefined, { a: undefined }],
  ["object, null", object({ a: string() }), null, { a: undefined }],
  ["object", object({ a: duration(), b: boolean() }), { a: "1m" }, { a: 60_000, b: undefined }],
  ["record, null", record("agent", string()), null, {}],
  ["record", record("group", object({ n: integer(1, "a positive integer") })), { g: { n: 2 } }, { g: { n: 2 } }],
  ["list", names, ["a", "b"], ["a", "b"]],
  ["list, empty", names, [], []],
  ["list, absent", names, undefined, undefined],
  ["list, null", names, null, undefined],
  ["list, repeats allowed when not unique", list(duration(), { expected: "durations" }), ["1s", 1_000], [1_000, 1_000]],
  ["required mapping with its own expectation", window, { n: 0, within: "1m" }, { n: 0, within: 60_000 }],
  ["union, a literal", restart, "fail-stop", "fail-stop"],
  ["union, the mapping", restart, { max: 0 }, { max: 0 }],
  ["union, absent", restart, undefined, undefined],
  ["data, as written", data(), { levels: [1, { deep: true }] }, { levels: [1, { deep: true }] }],
  ["external", doubled, 21, 42],
  ["code, absent", onlyFunctions, undefined, undefined],
];

const REFUSES: ReadonlyArray<readonly [kind: string, shape: Shape, value: unknown, message: string]> = [
  ["string, empty", string(), " ", 'k: expected a non-empty string, got " "'],
  ["boolean, a word", boolean(), "yes", 'k: expected true or false, got "yes"'],
  ["integer, a fraction", integer(0, "a port", 65_535), 80.5, "k: expected a port, got 80.5"],
  ["integer, above max", integer(0, "a port", 65_535), 65_536, "k: expected a port, got 65536"],
  ["number, below min", number(1, "a factor of at least 1"), 0.5, "k: expected a factor of at least 1, got 0.5"],
  ["number, not finite", number(0, "a share"), Number.POSITIVE_INFINITY, "k: expected a share, got Infinity"],
  ["duration, zero", duration(), "0s", 'k: expected a positive duration such as "500ms", "30s", "5m", "1h" or a number of milliseconds, got "0s"'],
  ["object, a list", object({ a: string() }), ["a"], 'k: expected a mapping (key: value pairs), got ["a"]'],
  ["object, a typo", object({ timeout: duration() }), { timout: 1 }, 'k.timout: unknown key "timout" (did you mean "timeout"?); expected one of: timeout'],
  ["record, a bad name", record("group", object({})), { "a b": {} }, 'k["a b"]: invalid group name "a b": expected 1 to 128 letters, digits, "_" or "-" (pattern [A-Za-z0-9_-]+), and not __proto__, constructor or prototype'],
  ["list, one name", names, "a", 'k: expected a list of names, each once, got "a"'],
  ["list, a bad item", names, ["a", 5], "k[1]: expected a non-empty string, got 5"],
  ["list, a hole", names, new Array<string>(2).fill("a", 1), "k[0]: expected a list of names, each once, got undefined"],
  ["list, an item twice", names, ["a", "b", "a"], 'k[2]: "a" is listed twice (first at k[0]): expected a list of names, each once'],
  ["list, an item twice once checked", list(duration(), { unique: true, expected: "distinct durations" }), ["1s", 1_000], "k[1]: 1000 is listed twice (first at k[0]): expected distinct durations"],
  ["required mapping missing a key", window, { n: 1 }, 'k.within: missing "within": expected { n, within }'],
  ["union, a near literal", restart, "fail_stop", 'k: expected a policy, got "fail_stop" (did you mean "fail-stop"?)'],
  ["union, a number", restart, 5, "k: expected a policy, got 5"],
  ["union, mapping missing a key", restart, {}, 'k.max: missing "max": expected a policy'],
  ["union, mapping with a bad value", restart, { max: -1 }, "k.max: expected a non-negative integer, got -1"],
  ["data, a __proto__ key", data(), JSON.parse('{ "a": { "__proto__": 1 } }'), 'k.a.__proto__: key "__proto__" is not allowed: it could change object prototypes'],
  ["external", doubled, "21", 'k: expected a number, got "21"'],
  ["code, a mapping", onlyFunctions, { initial: "1s" }, 'k: expected a function () => ms, got {"initial":"1s"}: only a configuration given in code can hold a function; in YAML, set supervisor.backoff instead'],
];

describe("checkShape", () => {
  test.each(ACCEPTS)("%s: accepted and checked", (_kind, shape, value, checked) => {
    expect(checkShape(new ConfigChecker(undefined), shape, value, "k")).toEqual(checked);
  });

  test.each(REFUSES)("%s: refused, naming the key path, the value and what was expected", (_kind, shape, value, message) => {
    let thrown: unknown;
    try {
      checkShape(new ConfigChecker(undefined), shape, value, "k");
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect(thrown).toMatchObject({ code: "CONFIG_INVALID", message });
  });

  test("a code shape accepts the very function it is given", () => {
    const fn = (): number => 1;
    expect(checkShape(new ConfigChecker(undefined), onlyFunctions, fn, "k")).toBe(fn);
  });

  test("a checked list is frozen", () => {
    expect(Object.isFrozen(checkShape(new ConfigChecker(undefined), names, ["a"], "k"))).toBe(true);
  });

  test("records have no prototype and checked mappings are frozen", () => {
    const checked = checkShape(new ConfigChecker(undefined), object({ r: record("agent", object({ n: integer(0, "n") })) }), { r: { a: { n: 1 } } }, "");
    expect(Object.getPrototypeOf(checked.r)).toBeNull();
    expect(Object.isFrozen(checked)).toBe(true);
    expect(Object.isFrozen(checked.r["a"])).toBe(true);
  });
});
