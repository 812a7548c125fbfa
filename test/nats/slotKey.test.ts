import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { NatsError } from "../../src/nats/NatsError.js";
import { decodeSlotKey, encodeSlotKey } from "../../src/nats/slotKey.js";

const KV_KEY = /^[-/_=.a-zA-Z0-9]+$/;

describe("encodeSlotKey", () => {
  it("keeps letters, digits and dashes and escapes every other UTF-8 byte as _XX", () => {
    expect(encodeSlotKey("report:every:1s:2026-01-05T09:30:00.000Z")).toBe("report_3Aevery_3A1s_3A2026-01-05T09_3A30_3A00_2E000Z");
    expect(encodeSlotKey("risk_check:cron:0 17 * * 1-5:x")).toBe("risk_5Fcheck_3Acron_3A0_2017_20_2A_20_2A_201-5_3Ax");
    expect(encodeSlotKey("é")).toBe("_C3_A9");
    expect(encodeSlotKey("🙂")).toBe("_F0_9F_99_82");
    expect(encodeSlotKey("plain-Key9")).toBe("plain-Key9");
  });

  it("gives valid JetStream KV keys and distinct keys for distinct ticks (decoding restores the key)", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, unit: "grapheme" }), (key) => {
        const encoded = encodeSlotKey(key);
        expect(encoded).toMatch(KV_KEY);
        expect(encoded.startsWith(".") || encoded.endsWith(".")).toBe(false);
        expect(decodeSlotKey(encoded)).toBe(key);
      }),
      { numRuns: 500 },
    );
    // the escape character itself is escaped: these two never collide
    expect(encodeSlotKey("a:b")).not.toBe(encodeSlotKey("a_3Ab"));
  });

  it("refuses a key with a lone surrogate, which has no UTF-8 form", () => {
    expect(() => encodeSlotKey("a\uD800b")).toThrow(/lone UTF-16 surrogate at 1/);
    expect(() => encodeSlotKey("a\uD800b")).toThrow(expect.objectContaining({ name: "NatsError", code: "SLOT_KEY_INVALID" }));
  });

  it("decodeSlotKey refuses what encodeSlotKey cannot produce", () => {
    expect(() => decodeSlotKey("a_3")).toThrow(/bad escape at 1/);
    expect(() => decodeSlotKey("a.b")).toThrow(/"\." at 1/);
    expect(() => decodeSlotKey("_FF")).toThrow(NatsError);
    for (const bad of ["a_3", "a.b", "_FF"]) expect(() => decodeSlotKey(bad)).toThrow(expect.objectContaining({ code: "SLOT_KEY_INVALID" }));
  });
});
