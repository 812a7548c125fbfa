import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { PACKAGE_VERSION, TRACER_NAME } from "../../src/trace/packageVersion.js";
import { formatTraceparent, parseTraceparent } from "../../src/trace/traceparent.js";

describe("the tracer's name and version", () => {
  it("are the package's name and version", () => {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { name: string; version: string };
    expect({ TRACER_NAME, PACKAGE_VERSION }).toEqual({ TRACER_NAME: pkg.name, PACKAGE_VERSION: pkg.version });
  });
});

describe("traceparent", () => {
  const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
  const spanId = "00f067aa0ba902b7";

  it("reads what it writes, remote, with tracestate", () => {
    const value = formatTraceparent({ traceId, spanId, traceFlags: 1 });
    expect(value).toBe(`00-${traceId}-${spanId}-01`);
    const read = parseTraceparent(value, "vendor=abc");
    expect(read).toMatchObject({ traceId, spanId, traceFlags: 1, isRemote: true });
    expect(read?.traceState?.get("vendor")).toBe("abc");
  });

  it("refuses what is not a W3C traceparent, and reads a later version's first fields", () => {
    for (const bad of ["", "00-abc", `ff-${traceId}-${spanId}-01`, `00-${traceId}-${spanId}-01-extra`, `00-${"0".repeat(32)}-${spanId}-01`, `00-${traceId}-${"0".repeat(16)}-01`, `00-${traceId.toUpperCase()}-${spanId}-01`]) {
      expect(parseTraceparent(bad, undefined), bad).toBeUndefined();
    }
    expect(parseTraceparent(`01-${traceId}-${spanId}-03-future`, undefined)).toMatchObject({ traceId, spanId, traceFlags: 1 });
  });
});
