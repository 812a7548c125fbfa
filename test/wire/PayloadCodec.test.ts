import { describe, expect, it } from "vitest";
import { BusError } from "../../src/errors/BusError.js";
import { jsonCodec } from "../../src/wire/PayloadCodec.js";

describe("jsonCodec", () => {
  it("round-trips what JSON carries, and undefined as an empty message", () => {
    for (const value of [0, -1.5, "text", "é🙂", true, null, [], {}, [1, [2, [3]]], { a: { b: { c: "d" } } }]) {
      expect(jsonCodec.decode(jsonCodec.encode(value))).toEqual(value);
    }
    expect(jsonCodec.encode(undefined)).toHaveLength(0);
    expect(jsonCodec.decode(new Uint8Array(0))).toBeUndefined();
    // as JSON does: undefined properties are left out, dates become ISO strings
    expect(jsonCodec.decode(jsonCodec.encode({ a: undefined, at: new Date(0) }))).toEqual({ at: "1970-01-01T00:00:00.000Z" });
  });

  it("refuses what JSON would drop or alter, naming where it is", () => {
    expect(() => jsonCodec.encode({ a: { b: () => 1 } })).toThrow(/property "b" is a function/);
    expect(() => jsonCodec.encode([0, Infinity])).toThrow(/element 1 is Infinity/);
    expect(() => jsonCodec.encode({ id: 1n })).toThrow(/property "id" is a BigInt \(1n\)/);
    expect(() => jsonCodec.encode(Symbol("s"))).toThrow(/the payload is a symbol/);
    const cyclic: { self?: unknown } = {};
    cyclic.self = cyclic;
    expect(() => jsonCodec.encode(cyclic)).toThrow(/circular/i);
  });

  it("checks values nested deeper than its fast walk too", () => {
    let deep: unknown = { leaf: () => 1 };
    for (let i = 0; i < 100; i++) deep = { next: deep };
    expect(() => jsonCodec.encode(deep)).toThrow(/property "leaf" is a function/);
    let deepArray: unknown = [() => 1];
    for (let i = 0; i < 100; i++) deepArray = [deepArray];
    expect(() => jsonCodec.encode(deepArray)).toThrow(/element 0 is a function/);
    let fine: unknown = { leaf: 1 };
    for (let i = 0; i < 100; i++) fine = [fine];
    expect(jsonCodec.decode(jsonCodec.encode(fine))).toEqual(fine);
  });

  it("ignores inherited enumerable methods, as JSON does", () => {
    const proto = { describe: () => "x" };
    const value = Object.assign(Object.create(proto) as Record<string, unknown>, { qty: 1 });
    expect(jsonCodec.decode(jsonCodec.encode(value))).toEqual({ qty: 1 });
  });

  it("reports malformed bytes", () => {
    for (const [bytes, cause] of [
      [new TextEncoder().encode("{nope"), SyntaxError],
      [new Uint8Array([0xff, 0xfe]), TypeError],
    ] as const) {
      let thrown: unknown;
      try {
        jsonCodec.decode(bytes);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(BusError);
      expect(thrown).toMatchObject({ code: "PAYLOAD_INVALID", message: expect.stringContaining("the payload is not UTF-8 JSON") as unknown });
      expect((thrown as BusError).cause).toBeInstanceOf(cause);
    }
  });

  it("refuses with BusError PAYLOAD_INVALID, the bus's own error, what JSON would drop or change", () => {
    expect(() => jsonCodec.encode({ a: { b: () => 1 } })).toThrow(BusError);
    expect(() => jsonCodec.encode([0, Infinity])).toThrow(expect.objectContaining({ code: "PAYLOAD_INVALID" }));
    const cyclic: Record<string, unknown> = {};
    cyclic["self"] = cyclic;
    expect(() => jsonCodec.encode(cyclic)).toThrow(expect.objectContaining({ name: "BusError", code: "PAYLOAD_INVALID" }));
  });
});
