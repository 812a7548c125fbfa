import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";

// docs/reliability.md lists the bad-input catalogue and names a test for each entry: every test it
// names (as `file` › "part of the test's title") must exist.

const root = fileURLToPath(new URL("../../", import.meta.url));
const doc = readFileSync(`${root}docs/reliability.md`, "utf8");
const REFERENCE = /`(test\/[^`]+\.test\.ts)` › "([^"]+)"/g;

describe("the bad-input catalogue of docs/reliability.md", () => {
  const rows = doc.split("\n").filter((line) => /^\| BI-\d+ \|/.test(line));

  test("lists every entry with at least one test", () => {
    expect(rows.length).toBeGreaterThanOrEqual(35);
    for (const row of rows) expect([...row.matchAll(REFERENCE)].length, row.slice(0, 40)).toBeGreaterThan(0);
    const numbers = rows.map((row) => /^\| (BI-\d+) /.exec(row)?.[1]);
    expect(new Set(numbers).size).toBe(rows.length);
  });

  test("names only tests that exist", () => {
    const references = [...doc.matchAll(REFERENCE)].map((m) => ({ file: m[1] as string, name: m[2] as string }));
    expect(references.length).toBeGreaterThan(60);
    const missing = references.filter(({ file, name }) => !existsSync(`${root}${file}`) || !readFileSync(`${root}${file}`, "utf8").includes(name));
    expect(missing).toEqual([]);
  });
});
