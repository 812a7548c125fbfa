import { describe, expect, test } from "vitest";
import { NameTable } from "../../src/schedule/NameTable.js";

describe("NameTable", () => {
  test("behaves as a Map through one entry, two, and back", () => {
    const table = new NameTable<number>();
    expect(table.size).toBe(0);
    expect(table.get("a")).toBeUndefined();
    expect(table.delete("a")).toBe(false);
    table.set("a", 1);
    table.set("a", 2);
    expect([...table]).toEqual([["a", 2]]);
    expect(table.get("b")).toBeUndefined();
    table.set("b", 3);
    expect(table.size).toBe(2);
    expect([...table.values()]).toEqual([2, 3]);
    expect(table.delete("a")).toBe(true);
    expect(table.delete("a")).toBe(false);
    expect([...table]).toEqual([["b", 3]]);
    expect(table.get("b")).toBe(3);
  });

  test("a single entry can be removed and replaced by another name", () => {
    const table = new NameTable<string>();
    table.set("x", "1");
    expect(table.delete("y")).toBe(false);
    expect(table.delete("x")).toBe(true);
    expect(table.size).toBe(0);
    table.set("y", "2");
    expect([...table]).toEqual([["y", "2"]]);
  });
});
