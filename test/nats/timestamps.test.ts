import { describe, expect, it } from "vitest";
import type { Message } from "../../src/bus/Bus.js";
import { createNatsBus } from "../../src/nats/createNatsBus.js";
import type { NatsBus } from "../../src/nats/NatsBus.js";
import type { NatsBusOptions } from "../../src/nats/NatsBusOptions.js";
import { ManualClock } from "../../src/testing/ManualClock.js";
import { uniqueToken } from "../helpers/nats/natsServer.js";
import { natsSuite } from "../helpers/nats/natsSuite.js";
import { eventually } from "../helpers/nats/processes.js";

const suite = natsSuite();
const { cleanups } = suite;

/** A publishing bus and a receiving bus on two connections, sharing a fresh prefix; the receiver records what arrives on `t`. */
async function pair(options: NatsBusOptions): Promise<{ publisher: NatsBus; receiver: NatsBus; got: Message[] }> {
  const prefix = uniqueToken("stamps");
  const publisher = await createNatsBus({ servers: suite.url }, { prefix, ...options });
  const receiver = await createNatsBus({ servers: suite.url }, { prefix });
  cleanups.push(() => publisher.close(), () => receiver.close());
  const got: Message[] = [];
  receiver.subscribe("t", (message) => void got.push(message));
  await receiver.flush();
  return { publisher, receiver, got };
}

async function received(got: Message[], count: number): Promise<number[]> {
  await eventually(() => got.length >= count, 5_000, `${count} messages`);
  expect(got).toHaveLength(count);
  return got.map((message) => message.timestamp);
}

describe("NatsBus: the timestamps option", () => {
  it("refuses a mode it does not know, naming it", async () => {
    await expect(createNatsBus({ servers: suite.url }, { timestamps: "often" as never })).rejects.toThrow(/expected `timestamps` to be one of 'turn', 'exact'.*"often"/);
  });

  it("stamps the messages of one synchronous turn with one clock read by default on the system clock", async () => {
    const { publisher, got } = await pair({});
    const before = Date.now();
    let last: Promise<void> = Promise.resolve();
    for (let i = 0; i < 500; i++) last = publisher.publish("t", i);
    const after = Date.now();
    await last;
    const stamps = await received(got, 500);
    expect(new Set(stamps).size).toBe(1);
    expect(stamps[0]).toBeGreaterThanOrEqual(before);
    expect(stamps[0]).toBeLessThanOrEqual(after);
  });

  it("reads a ManualClock for every message by default, so a test sees exactly the time it set", async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 5, 9, 30));
    const start = clock.now();
    const { publisher, got } = await pair({ clock });
    void publisher.publish("t", 1);
    clock.jump(5);
    void publisher.publish("t", 2);
    clock.jump(5);
    await publisher.publish("t", 3);
    expect(await received(got, 3)).toEqual([start, start + 5, start + 10]);
  });

  it('"turn" on a ManualClock: one read per turn, a fresh one in the next turn; a request is stamped exactly and later messages are no earlier', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 5, 9, 30));
    const start = clock.now();
    const { publisher, receiver, got } = await pair({ clock, timestamps: "turn" });
    const requests: Message[] = [];
    receiver.subscribe("q", (message) => {
      requests.push(message);
      return "ok";
    });
    await receiver.flush();
    void publisher.publish("t", 1);
    clock.jump(5);
    void publisher.publish("t", 2);
    await publisher.flush();
    void publisher.publish("t", 3);
    clock.jump(5);
    const answered = publisher.request("q", "ask");
    void publisher.publish("t", 4);
    await expect(answered).resolves.toBe("ok");
    expect(await received(got, 4)).toEqual([start, start, start + 5, start + 10]);
    expect(requests[0]?.timestamp).toBe(start + 10);
  });

  it('"exact" on the system clock reads it for every message: timestamps follow the clock in publish order', async () => {
    const { publisher, got } = await pair({ timestamps: "exact" });
    const before = Date.now();
    let last: Promise<void> = Promise.resolve();
    // long enough a turn for the clock to move on
    const until = before + 3;
    let count = 0;
    while (Date.now() <= until) {
      last = publisher.publish("t", count++);
    }
    await last;
    const stamps = await received(got, count);
    expect(new Set(stamps).size).toBeGreaterThan(1);
    expect([...stamps].sort((a, b) => a - b)).toEqual(stamps);
    expect(stamps[0]).toBeGreaterThanOrEqual(before);
  });

  it('a handler call is a turn of its own: what a handler publishes reads the clock afresh ("turn")', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 5, 9, 30));
    const start = clock.now();
    const prefix = uniqueToken("stamps");
    const relay = await createNatsBus({ servers: suite.url }, { prefix, clock, timestamps: "turn" });
    const observer = await createNatsBus({ servers: suite.url }, { prefix });
    cleanups.push(() => relay.close(), () => observer.close());
    const got: Message[] = [];
    observer.subscribe("out", (message) => void got.push(message));
    relay.subscribe("in", (message) => {
      clock.jump(1);
      void relay.publish("out", message.payload);
    });
    await Promise.all([relay.flush(), observer.flush()]);
    await observer.publish("in", 1);
    await observer.publish("in", 2);
    const stamps = await received(got, 2);
    expect(stamps).toEqual([start + 1, start + 2]);
  });
});
