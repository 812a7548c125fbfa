import { describe, expect, it } from "vitest";
import { readEnvelope } from "../../src/wire/envelope.js";
import { EnvelopeWriter } from "../../src/wire/EnvelopeWriter.js";
import type { PayloadCodec } from "../../src/wire/PayloadCodec.js";
import { jsonCodec } from "../../src/wire/PayloadCodec.js";
import type { WireMetadata } from "../../src/wire/WireMetadata.js";

function read(bytes: Uint8Array, codec: PayloadCodec = jsonCodec): { meta: WireMetadata; payload: unknown } {
  const meta: WireMetadata = { id: undefined, timestamp: undefined, source: undefined, headers: undefined };
  const payload = readEnvelope(bytes, codec, meta);
  return { meta, payload };
}

/** A codec whose bytes are the payload string's UTF-8, without JSON around it. */
const text: PayloadCodec = {
  encode: (payload) => new TextEncoder().encode(String(payload)),
  decode: (bytes) => new TextDecoder().decode(bytes),
};

describe("EnvelopeWriter's slabs", () => {
  it("keeps every envelope it returned intact while it writes the next ones, across many slabs", () => {
    const writer = new EnvelopeWriter("SLAB", jsonCodec);
    const written: Uint8Array[] = [];
    // ~130 bytes each: 4,000 envelopes fill about 16 slabs of 32 KiB
    for (let i = 0; i < 4_000; i++) {
      const payload = { i, name: `item ${i} Zoë 🙂`, pad: "x".repeat(i % 60) };
      written.push(writer.write(payload, 1_767_225_600_000 + Math.floor(i / 100), i % 3 === 0 ? { source: `s${i}` } : undefined, i % 7 === 0));
    }
    const buffers = new Set(written.map((bytes) => bytes.buffer));
    expect(buffers.size).toBeGreaterThan(10);
    written.forEach((bytes, i) => {
      const { meta, payload } = read(bytes);
      expect(payload).toEqual({ i, name: `item ${i} Zoë 🙂`, pad: "x".repeat(i % 60) });
      expect(meta.id).toBe(`SLAB.${i.toString(36)}`);
      expect(meta.timestamp).toBe(1_767_225_600_000 + Math.floor(i / 100));
      expect(meta.source).toBe(i % 3 === 0 ? `s${i}` : undefined);
      expect(meta.replyStatus === true).toBe(i % 7 === 0);
    });
  });

  it("writes each envelope to exactly its own bytes: consecutive envelopes share a slab without overlapping", () => {
    const writer = new EnvelopeWriter("B", jsonCodec);
    const first = writer.write({ a: 1 }, 5, undefined);
    const second = writer.write({ b: 2 }, 5, undefined);
    expect(second.buffer).toBe(first.buffer);
    expect(second.byteOffset).toBe(first.byteOffset + first.length);
    expect(new TextDecoder().decode(first)).toBe('\u0000\u0001B.0\n5\n\n{"a":1}');
    expect(new TextDecoder().decode(second)).toBe('\u0000\u0001B.1\n5\n\n{"b":2}');
  });

  it("gives a payload larger than a quarter of a slab a buffer of its exact size, and goes on in its slab after it", () => {
    const writer = new EnvelopeWriter("BIG", jsonCodec);
    const small = writer.write(1, 9, undefined);
    // multi-byte characters: the exact size is counted in UTF-8 bytes, not characters
    const big = { text: "é🙂".repeat(5_000) };
    const bytes = writer.write(big, 9, { headers: { note: "ünïcode" } });
    expect(bytes.byteOffset).toBe(0);
    expect(bytes.length).toBe(bytes.buffer.byteLength);
    expect(read(bytes).payload).toEqual(big);
    expect(read(bytes).meta.headers).toEqual({ note: "ünïcode" });
    const next = writer.write(2, 9, undefined);
    expect(next.buffer).toBe(small.buffer);
    expect(read(next).meta.id).toBe("BIG.2");
  });

  it("copies another codec's bytes into the slab, and fills a slab to its end before taking a new one", () => {
    const writer = new EnvelopeWriter("T", text);
    const written: Uint8Array[] = [];
    for (let i = 0; i < 600; i++) written.push(writer.write(`payload ${i} ${"ß".repeat(i % 90)}`, i, undefined));
    written.forEach((bytes, i) => {
      const { meta, payload } = read(bytes, text);
      expect(payload).toBe(`payload ${i} ${"ß".repeat(i % 90)}`);
      expect(meta.timestamp).toBe(i);
    });
    // a slab is left only when the next envelope could not fit in what is left of it
    for (let i = 1; i < written.length; i++) {
      const previous = written[i - 1] as Uint8Array;
      const current = written[i] as Uint8Array;
      if (current.buffer !== previous.buffer) expect(previous.byteOffset + previous.length).toBeGreaterThan(32 * 1024 - 400);
      else expect(current.byteOffset).toBe(previous.byteOffset + previous.length);
    }
  });
});
