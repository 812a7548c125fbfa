import { describe, expect, test } from "vitest";
import type { BusStats } from "../../src/bus/Bus.js";
import { BusRates } from "../../src/status/BusRates.js";

const at = (published: number, delivered = published, dropped = 0): BusStats => ({ published, delivered, dropped, pending: 0, handlerErrors: 0 });

describe("BusRates", () => {
  test("the first reading has no rate; the next, a second later, gives messages per second", () => {
    const rates = new BusRates();
    expect(rates.read(at(100), 0)).toBeUndefined();
    expect(rates.read(at(350, 300, 5), 1_000)).toEqual({ published: 250, delivered: 200, dropped: 5 });
  });

  test("readings closer than a second apart are measured against the last one at least a second old", () => {
    const rates = new BusRates();
    rates.read(at(0), 0);
    rates.read(at(100), 1_000);
    // 1.2 s: the newest sample a second old is the one at 0
    expect(rates.read(at(120), 1_200)).toEqual({ published: 100, delivered: 100, dropped: 0 });
    // 2.1 s: the sample at 1.0 s is now a second old
    expect(rates.read(at(210), 2_100)).toEqual({ published: 100, delivered: 100, dropped: 0 });
  });

  test("readings older than ten seconds are forgotten: a page opened after a quiet spell shows no long average", () => {
    const rates = new BusRates();
    rates.read(at(0), 0);
    expect(rates.read(at(5_000), 60_000)).toBeUndefined();
    expect(rates.read(at(5_010), 61_000)).toEqual({ published: 10, delivered: 10, dropped: 0 });
  });

  test("a counter that went back (a new bus) gives no rate instead of a negative one", () => {
    const rates = new BusRates();
    rates.read(at(1_000), 0);
    expect(rates.read(at(10), 1_000)).toBeUndefined();
  });

  test("many viewers polling at once keep a bounded number of samples and agree on the rate", () => {
    const rates = new BusRates();
    const results: unknown[] = [];
    for (let t = 0; t <= 3_000; t += 100) results.push(rates.read(at(t), t));
    // counters grow by 1 per ms: 1000 per second, whoever asks
    expect(results.slice(10)).toEqual(results.slice(10).map(() => ({ published: 1_000, delivered: 1_000, dropped: 0 })));
  });
});
