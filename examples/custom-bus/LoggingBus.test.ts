// A custom Bus proves it keeps the semantics with the same contract suite the
// library's own buses pass.
import { test } from "vitest";
import { createBus } from "../../src/index.js";
import { busContract } from "../../src/testing/index.js";
import { LoggingBus } from "./LoggingBus.js";

busContract(({ clock }) => new LoggingBus(createBus({ clock }), () => undefined), test);
