// A custom Bus proves it keeps the semantics with the same contract suite the
// library's own buses pass.
import { test } from "vitest";
import { createBus } from "../../src/index.js";
import { busContract } from "../../src/testing/index.js";
import { LoggingBus } from "./LoggingBus.js";

busContract(({ clock }) => new LoggingBus(createBus({ clock }), () => undefined), test, {
  // A bus that differs from the contract on purpose declares it by case id, with the reason;
  // `skip` reports each such case as a skipped test whose name carries the reason, e.g.
  //   exceptions: { flushCoversEarlierMessages: "flush() waits for the broker's ack only" },
  // The LoggingBus keeps every guarantee of the bus it wraps, so it declares none.
  skip: (name, reason) => test.skip(`${name} — declared exception: ${reason}`, () => undefined),
});
