import { MsgHdrsImpl } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { HeaderWriter } from "../../src/nats/HeaderWriter.js";
import { readMetadata } from "../../src/nats/wireHeaders.js";

describe("HeaderWriter", () => {
  it("writes headers the NATS client encodes and parses back to the same names and values", () => {
    const writer = new HeaderWriter("BUSID");
    const headers = writer.write(1_767_225_600_000, { source: "strategy", headers: { "trace-id": "t-1", "x-Name": "Zoë 🙂" } });
    const parsed = MsgHdrsImpl.decode((headers as MsgHdrsImpl).encode());
    expect(parsed.get("Ao-Id")).toBe("BUSID.0");
    expect(parsed.get("Ao-Time")).toBe("1767225600000");
    expect(parsed.get("Ao-Source")).toBe("strategy");
    expect(parsed.get("x-Name")).toBe("Zoë 🙂");
    for (const key of ["Ao-Id", "Ao-Time", "Ao-Source", "trace-id", "x-Name"]) expect(headers.get(key)).toBe(parsed.get(key));
    expect(headers.keys()).toEqual(parsed.keys());
  });

  it("marks a request with Ao-Reply: status, which the readers take as a flag and not as a user header", () => {
    const headers = new HeaderWriter("Q").write(1, { headers: { k: "v" } }, true);
    const parsed = MsgHdrsImpl.decode((headers as MsgHdrsImpl).encode());
    expect(parsed.get("Ao-Reply")).toBe("status");
    expect(headers.get("Ao-Reply")).toBe("status");
    expect(readMetadata(parsed)).toEqual({ id: "Q.0", timestamp: 1, source: undefined, headers: { k: "v" }, replyStatus: true });
    // a plain message carries no such header; another value is no announcement
    expect(new HeaderWriter("Q").write(1, undefined).get("Ao-Reply")).toBe("");
    const other = readMetadata(MsgHdrsImpl.decode(new TextEncoder().encode("NATS/1.0\r\nAo-Reply: later\r\n\r\n")));
    expect(other).toEqual({ id: undefined, timestamp: undefined, source: undefined, headers: undefined });
  });

  it("numbers messages per bus, and gives ids to messages that came without one", () => {
    const writer = new HeaderWriter("P");
    expect(writer.write(1, undefined).get("Ao-Id")).toBe("P.0");
    expect(writer.nextId()).toBe("P.1");
    expect(writer.write(1, {}).get("Ao-Id")).toBe("P.2");
  });
});

describe("reading headers", () => {
  it("reads metadata off the client's parsed headers (first value of a repeated name, trimmed values, __proto__ as data)", () => {
    const block = "NATS/1.0\r\nAo-Id: x.1\r\nAo-Time: 42\r\nAo-Source:  feed \r\ntrace: a\r\ntrace: b\r\n__proto__: p\r\nbad line\r\n\r\n";
    const fast = readMetadata(MsgHdrsImpl.decode(new TextEncoder().encode(block)));
    expect(fast.id).toBe("x.1");
    expect(fast.timestamp).toBe(42);
    expect(fast.source).toBe("feed");
    expect(Object.getPrototypeOf(fast.headers)).toBe(Object.prototype);
    expect(Object.entries(fast.headers ?? {})).toEqual([
      ["trace", "a"],
      ["__proto__", "p"],
    ]);
  });

  it("ignores a timestamp that is not a number", () => {
    const out = readMetadata(MsgHdrsImpl.decode(new TextEncoder().encode("NATS/1.0\r\nAo-Time: soon\r\n\r\n")));
    expect(out.timestamp).toBeUndefined();
  });
});
