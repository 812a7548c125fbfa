import { describe, expect, it } from "vitest";
import { BusError } from "../../src/errors/BusError.js";
import { ENVELOPE, isEnvelope, parseMetadata, readEnvelope } from "../../src/wire/envelope.js";
import { EnvelopeWriter } from "../../src/wire/EnvelopeWriter.js";
import type { PayloadCodec } from "../../src/wire/PayloadCodec.js";
import { jsonCodec } from "../../src/wire/PayloadCodec.js";
import type { WireMetadata } from "../../src/wire/WireMetadata.js";

function empty(): WireMetadata {
  return { id: undefined, timestamp: undefined, source: undefined, headers: undefined };
}

/** A binary codec: a length byte, then the string's UTF-16 code units as little-endian pairs. */
const utf16: PayloadCodec = {
  encode(payload) {
    const text = String(payload);
    const bytes = new Uint8Array(1 + text.length * 2);
    bytes[0] = text.length;
    for (let i = 0; i < text.length; i++) {
      const unit = text.charCodeAt(i);
      bytes[1 + i * 2] = unit & 0xff;
      bytes[2 + i * 2] = unit >> 8;
    }
    return bytes;
  },
  decode(bytes) {
    const length = bytes[0] ?? 0;
    if (bytes.length !== 1 + length * 2) throw new RangeError(`expected ${1 + length * 2} bytes, got ${bytes.length}`);
    let text = "";
    for (let i = 0; i < length; i++) text += String.fromCharCode((bytes[1 + i * 2] ?? 0) | ((bytes[2 + i * 2] ?? 0) << 8));
    return text;
  },
};

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

describe("the envelope wire format", () => {
  it("JSON codec: the envelope is the mark, the metadata lines and the payload's JSON, as one UTF-8 text", () => {
    const writer = new EnvelopeWriter("BUS", jsonCodec);
    const written = writer.write({ qty: 1 }, 1_767_225_600_000, { source: "strategy", headers: { "trace-id": "t-1", "x-Name": "Zoë 🙂" } });
    expect([...written.subarray(0, 2)]).toEqual([ENVELOPE.mark, ENVELOPE.version]);
    expect(new TextDecoder().decode(written.subarray(2))).toBe('BUS.0\n1767225600000\nsstrategy\nhtrace-id:t-1\nhx-Name:Zoë 🙂\n\n{"qty":1}');
    const out = empty();
    expect(readEnvelope(written, jsonCodec, out)).toEqual({ qty: 1 });
    expect(out).toEqual({ id: "BUS.0", timestamp: 1_767_225_600_000, source: "strategy", headers: { "trace-id": "t-1", "x-Name": "Zoë 🙂" } });
  });

  it("round-trips id, timestamp, source, headers and payload with the JSON codec and with a binary codec", () => {
    const options = { source: " spaced source ", headers: { a: "", b: "  kept as is  ", ["__proto__"]: "data" } };
    for (const codec of [jsonCodec, utf16]) {
      const writer = new EnvelopeWriter("P", codec);
      for (const [payload, expected] of [
        ["héllo 🙂", "héllo 🙂"],
        ["", ""],
      ] as const) {
        const out = empty();
        expect(readEnvelope(writer.write(payload, 42.5, options), codec, out)).toBe(expected);
        expect(out.timestamp).toBe(42.5);
        expect(out.source).toBe(" spaced source ");
        expect(Object.entries(out.headers ?? {})).toEqual([
          ["a", ""],
          ["b", "  kept as is  "],
          ["__proto__", "data"],
        ]);
        expect(Object.getPrototypeOf(out.headers)).toBe(Object.prototype);
      }
      // no source, no headers: the fields stay undefined
      const out = empty();
      readEnvelope(writer.write("x", -1, undefined), codec, out);
      expect(out).toEqual({ id: "P.2", timestamp: -1, source: undefined, headers: undefined });
    }
  });

  it("a binary codec's bytes follow the metadata untouched, even when they contain line feeds", () => {
    const raw: PayloadCodec = { encode: (payload) => payload as Uint8Array, decode: (data) => Uint8Array.from(data) };
    const payload = Uint8Array.from([10, 10, 0, 1, 255, 10]);
    const written = new EnvelopeWriter("B", raw).write(payload, 7, { headers: { k: "v" } });
    const out = empty();
    expect(readEnvelope(written, raw, out)).toEqual(payload);
    expect(out).toEqual({ id: "B.0", timestamp: 7, source: undefined, headers: { k: "v" } });
  });

  it("an undefined JSON payload travels as nothing after the metadata, and arrives as undefined", () => {
    const written = new EnvelopeWriter("U", jsonCodec).write(undefined, 1, undefined);
    expect(new TextDecoder().decode(written.subarray(2))).toBe("U.0\n1\n\n");
    expect(readEnvelope(written, jsonCodec, empty())).toBeUndefined();
  });

  it("numbers messages per writer; the codec's refusal comes out of write() and consumes no id", () => {
    const writer = new EnvelopeWriter("N", jsonCodec);
    expect(writer.nextId()).toBe("N.0");
    expect(() => writer.write({ big: 1n }, 1, undefined)).toThrow(/property "big" is a BigInt/);
    const out = empty();
    readEnvelope(writer.write(1, 1, undefined), jsonCodec, out);
    expect(out.id).toBe("N.1");
  });

  it("numbers envelopes in base 36 across digit boundaries, sharing the counter with nextId", () => {
    const writer = new EnvelopeWriter("C", jsonCodec);
    const ids: string[] = [];
    for (let count = 0; count < 36 * 37 + 5; count++) {
      if (count % 11 === 7) {
        ids.push(writer.nextId());
        continue;
      }
      const out = empty();
      readEnvelope(writer.write(count, 1, count % 2 === 0 ? undefined : { source: "s" }), jsonCodec, out);
      ids.push(out.id ?? "");
    }
    expect(ids).toEqual(ids.map((_, count) => `C.${count.toString(36)}`));
  });

  it("reads each timestamp in full, whatever the one before it was", () => {
    const times = ["5", "55", "5", "50", "5", "-5", "1767225600000", "1767225600001", "176722560000", "1767225600000"];
    for (const time of times) {
      const out = empty();
      expect(parseMetadata(`\u0000\u0001id\n${time}\n\n`, 2, out)).toBe(time.length + 7);
      expect(out.timestamp).toBe(Number(time));
    }
    expect(() => parseMetadata("\u0000\u0001id\n\n\n", 2, empty())).toThrow(/the timestamp "" is not a number/);
    expect(() => parseMetadata("\u0000\u0001id\n1767225600000x\n\n", 2, empty())).toThrow(/the timestamp "1767225600000x" is not a number/);
    expect(() => parseMetadata("\u0000\u0001id\n1767225600000", 2, empty())).toThrow(/the timestamp "" is not a number/);
    expect(() => parseMetadata("\u0000\u0001id\n1767225600000\nsx\n", 2, empty())).toThrow(/does not end with an empty line/);
  });

  it("tells envelopes from plain payloads by their first two bytes", () => {
    expect(isEnvelope(new EnvelopeWriter("E", jsonCodec).write(1, 1, undefined))).toBe(true);
    expect(isEnvelope(jsonCodec.encode({ i: "x", t: 1 }))).toBe(false);
    expect(isEnvelope(bytes("plain text"))).toBe(false);
    expect(isEnvelope(new Uint8Array([0]))).toBe(false);
    expect(isEnvelope(new Uint8Array(0))).toBe(false);
    expect(isEnvelope(new Uint8Array([0, 2, 10]))).toBe(false);
  });

  it("skips metadata lines with a tag it does not know, and keeps the first source and the first value of a repeated header", () => {
    const out = empty();
    const start = parseMetadata("\u0000\u0001id\n5\nxfuture:1\nsfirst\nssecond\nhk:1\nhk:2\n\nrest", 2, out);
    expect(out).toEqual({ id: "id", timestamp: 5, source: "first", headers: { k: "1" } });
    expect(start).toBe("\u0000\u0001id\n5\nxfuture:1\nsfirst\nssecond\nhk:1\nhk:2\n\n".length);
  });

  it("a request's envelope says that its requester reads reply statuses (`rstatus`); other messages and other `r` values do not", () => {
    for (const codec of [jsonCodec, utf16]) {
      const writer = new EnvelopeWriter("R", codec);
      const request = writer.write("q", 5, { source: "desk" }, true);
      expect(new TextDecoder().decode(request.subarray(2, 23))).toBe("R.0\n5\nrstatus\nsdesk\n\n");
      const out = empty();
      expect(readEnvelope(request, codec, out)).toBe("q");
      expect(out).toEqual({ id: "R.0", timestamp: 5, source: "desk", headers: undefined, replyStatus: true });
      const plain = empty();
      readEnvelope(writer.write("q", 5, undefined), codec, plain);
      expect(plain.replyStatus).toBeUndefined();
    }
    const other = empty();
    parseMetadata("\u0000\u0001id\n5\nrsomething-else\n\n", 2, other);
    expect(other).toEqual({ id: "id", timestamp: 5, source: undefined, headers: undefined });
    expect("replyStatus" in other).toBe(false);
  });

  it("refuses malformed envelopes with a message naming what is wrong, and fills nothing", () => {
    const cases: Array<[Uint8Array, RegExp]> = [
      [Uint8Array.from([0, 1, 0xff, 10, 10]), /not valid UTF-8/],
      [bytes("\u0000\u0001"), /no metadata lines/],
      [bytes("\u0000\u0001\n5\n\n{}"), /message id is empty/],
      [bytes("\u0000\u0001id\n\n{}"), /timestamp "" is not a number/],
      [bytes("\u0000\u0001id\nsoon\n\n{}"), /timestamp "soon" is not a number/],
      [bytes("\u0000\u0001id\n5\n{}"), /does not end with an empty line/],
      [bytes("\u0000\u0001id\n5\nhnocolon\n\n{}"), /header line "nocolon" has no "name:"/],
      [bytes("\u0000\u0001id\n5\nh:value\n\n{}"), /header line ":value" has no "name:"/],
    ];
    for (const [data, why] of cases) {
      for (const codec of [jsonCodec, utf16]) {
        const out = empty();
        const what = `${JSON.stringify([...data])} with ${codec === jsonCodec ? "JSON" : "utf16"}`;
        expect(() => readEnvelope(data, codec, out), what).toThrow(why);
        expect(() => readEnvelope(data, codec, out), what).toThrow(expect.objectContaining({ name: "BusError", code: "PAYLOAD_INVALID" }));
        expect(out).toEqual(empty());
      }
    }
    // well-formed metadata, a payload the codec refuses: the codec's error, the metadata kept
    const out = empty();
    const notJson = catchError(() => readEnvelope(bytes("\u0000\u0001id\n5\n\n{nope"), jsonCodec, out));
    expect(notJson).toBeInstanceOf(BusError);
    expect(notJson).toMatchObject({ code: "PAYLOAD_INVALID", message: expect.stringContaining("its payload is not JSON") as unknown });
    expect((notJson as BusError).cause).toBeInstanceOf(SyntaxError);
    expect(() => readEnvelope(bytes("\u0000\u0001id\n5\n\nab"), utf16, out)).toThrow(/expected 195 bytes, got 2/);
    expect(out.id).toBe("id");
  });

  it("a timestamp read again after a malformed one is still checked", () => {
    readEnvelope(bytes("\u0000\u0001a\n9\n\n1"), jsonCodec, empty());
    const out = empty();
    readEnvelope(bytes("\u0000\u0001b\n9\n\n1"), jsonCodec, out);
    expect(out.timestamp).toBe(9);
    expect(() => readEnvelope(bytes("\u0000\u0001c\n\n\n1"), jsonCodec, empty())).toThrow(/timestamp "" is not a number/);
  });
});
