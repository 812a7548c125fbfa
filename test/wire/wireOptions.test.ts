import { describe, expect, it } from "vitest";
import { wireOptionsError } from "../../src/wire/wireOptions.js";
import { publishOptionsError } from "../../src/bus/delivery/busOptions.js";
import { BusError } from "../../src/errors/BusError.js";

describe("wireOptionsError: what every wire format can carry, as a table", () => {
  it.each<[string, { source?: string; headers?: Record<string, string> }, RegExp | undefined]>([
    ["nothing", {}, undefined],
    ["a source and ordinary headers", { source: "agent-1", headers: { "trace-id": "t", "x.y_z": "a b" } }, undefined],
    ["a source with a line break", { source: "a\nb" }, /^publish: expected `source` to have no line breaks/],
    ["a header name with a space", { headers: { "a b": "1" } }, /^publish: header name "a b" cannot travel with a message/],
    ["a header name with a colon", { headers: { "a:b": "1" } }, /header name "a:b" cannot travel/],
    ["a header name that is empty", { headers: { "": "1" } }, /header name "" cannot travel/],
    ["a reserved header name, any case", { headers: { "aO-thing": "1" } }, /header name "aO-thing" is reserved/],
    ["the lease token header, a singleton's fencing token", { headers: { "Ao-Lease-Token": "57" } }, undefined],
    ["the lease token header in another case (reserved: only the exact name is the token)", { headers: { "ao-lease-token": "57" } }, /header name "ao-lease-token" is reserved/],
    ["a header value with CR", { headers: { ok: "a\rb" } }, /expected `headers.ok` to have no line breaks/],
  ])("%s", (_what, options, message) => {
    const error = wireOptionsError(options, "publish");
    if (message === undefined) {
      expect(error).toBeUndefined();
      return;
    }
    expect(error).toMatchObject({ name: "BusError", code: "INVALID_OPTION" });
    expect(error?.message).toMatch(message);
  });
});

describe("wireOptionsError also checks what every Bus checks, in the same pass", () => {
  it.each<[string, unknown]>([
    ["options that are not an object", "x"],
    ["a source that is not a string", { source: 1 }],
    ["headers that are not an object", { headers: ["a"] }],
    ["a header value that is not a string", { headers: { a: 1 } }],
    ["a bad header name before a value that is not a string: the type is reported", { headers: { "a b": "1", c: 2 } }],
    ["a source with a line break and a value that is not a string: the type is reported", { source: "a\nb", headers: { c: 2 } }],
  ])("%s: the same error as publishOptionsError", (_what, options) => {
    const expected = publishOptionsError(options, "request");
    expect(expected).toBeInstanceOf(BusError);
    expect(wireOptionsError(options, "request")).toEqual(expected);
  });
});
