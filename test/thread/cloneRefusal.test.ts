import { describe, expect, test, vi } from "vitest";
import { cloneRefusal } from "../../src/thread/cloneRefusal.js";

/** Whether `structuredClone` (what `postMessage` does) accepts `value`. */
function clones(value: unknown): boolean {
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}

class Point {
  x = 1;
  y = 2;
}

describe("cloneRefusal", () => {
  test("decides plain data by a walk, without cloning it", () => {
    const clone = vi.spyOn(globalThis, "structuredClone");
    try {
      const nullProto = Object.assign(Object.create(null) as object, { a: 1 });
      for (const value of [1, "s", true, undefined, null, 10n, { symbol: "AAPL", px: 187.25 }, [1, [2, { a: "b" }]], { when: new Date(0), re: /x+/g }, nullProto, { nested: { deeper: { deepest: [null, undefined] } } }]) {
        expect(cloneRefusal(value)).toBeUndefined();
      }
      expect(clone).not.toHaveBeenCalled();
    } finally {
      clone.mockRestore();
    }
  });

  test("a function or a symbol anywhere in plain data is refused, naming where, in our words", () => {
    expect(cloneRefusal(() => 1)).toBe("payload is a function");
    expect(cloneRefusal(Symbol("s"))).toBe("payload is a symbol");
    expect(cloneRefusal({ format: () => "secret source" })).toBe("payload.format is a function");
    expect(cloneRefusal({ rows: [{ ok: 1 }, { tag: Symbol("t") }] })).toBe("payload.rows[1].tag is a symbol");
    expect(cloneRefusal({ "a b": { f() {} } }, "value")).toBe('value["a b"].f is a function');
  });

  test("what the walk cannot decide is cloned once; a refusal then still names the part, without quoting source", () => {
    expect(cloneRefusal(new Map([["k", 1]]))).toBeUndefined();
    expect(cloneRefusal(new Point())).toBeUndefined();
    expect(cloneRefusal(new Uint8Array(4))).toBeUndefined();
    const inMap = cloneRefusal({ m: new Map<string, unknown>([["k", () => "secret source"]]) });
    expect(inMap).toBe("payload.m.get(<key 0>) is a function");
    const inClass = cloneRefusal({ p: Object.assign(new Point(), { render: () => "secret source" }) });
    expect(inClass).toBe("payload.p.render is a function");
    const proxy = cloneRefusal({ p: new Proxy({}, {}) });
    expect(proxy).toBe("payload.p (a proxy) cannot be copied between threads");
    for (const refusal of [inMap, inClass, proxy]) expect(refusal).not.toContain("secret source");
  });

  test("cycles, deep nesting and large values are left to a clone, which accepts them", () => {
    const cycle: Record<string, unknown> = { a: 1 };
    cycle["self"] = cycle;
    expect(cloneRefusal(cycle)).toBeUndefined();
    let deep: unknown = 1;
    for (let i = 0; i < 100; i++) deep = { deep };
    expect(cloneRefusal(deep)).toBeUndefined();
    expect(cloneRefusal(Array.from({ length: 10_000 }, (_, i) => ({ i })))).toBeUndefined();
  });

  test("exact: admitted exactly when a clone succeeds", () => {
    const withArrayExtra = Object.assign([1, 2], { extra: () => 1 });
    const getter = { get value() { return 1; } };
    const throwingGetter = {
      get value(): number {
        throw new Error("no");
      },
    };
    const inheritedFunction = Object.create({ f: () => 1 }) as object;
    const values: unknown[] = [
      { a: 1 },
      withArrayExtra,
      getter,
      throwingGetter,
      inheritedFunction,
      Object.assign(Object.create(null) as object, { f: () => 1 }),
      new Error("e"),
      new WeakMap(),
      Promise.resolve(1),
      { s: new Set([Symbol("x")]) },
      [new Date(1), /r/, new Uint16Array(2), new Map(), new Set([1])],
      Object.defineProperty({}, "hidden", { value: () => 1, enumerable: false }),
      { [Symbol("key")]: () => 1 },
      new Proxy([], {}),
    ];
    for (const value of values) expect(cloneRefusal(value) === undefined, String(cloneRefusal(value))).toBe(clones(value));
  });
});
