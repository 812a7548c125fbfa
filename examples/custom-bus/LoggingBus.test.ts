// A custom Bus proves it keeps the semantics with the same contract suite the
// library's own buses pass.
import { test } from "vitest";
import { createBus } from "../../src/index.js";
import { busContract } from "../../src/testing/index.js";
import { LoggingBus } from "./LoggingBus.js";

// The LoggingBus keeps every guarantee of the bus it wraps, so it declares no exception. A bus that
// differs from the contract on purpose names the case and the reason, and says how its test runner
// reports a case it does not run (docs/testing.md):
//   { exceptions: { flushCoversEarlierMessages: "flush() waits for the broker's ack only" },
//     skip: (name, reason) => test.skip(`${name} — declared exception: ${reason}`, () => undefined) }
busContract(({ clock }) => new LoggingBus(createBus({ clock }), () => undefined), test);
