import type { Bus } from "../bus/Bus.js";
import { BAD_INPUT_CASES } from "./busContract/badInput.js";
import { SOON_MS, within } from "./busContract/caseTools.js";
import { BUS_CONTRACT_CASES } from "./busContract/cases.js";
import type { BusContractCase, CaseBody } from "./busContract/cases.js";
import { checkBusContractOptions } from "./busContract/options.js";
import type { BusContractOptions } from "./busContract/options.js";
import { CONCURRENCY_CASES } from "./busContract/concurrency.js";
import { DISPOSAL_CASES } from "./busContract/disposal.js";
import { FLUSH_AND_CLOSE_CASES } from "./busContract/flushAndClose.js";
import { HANDLER_ERROR_CASES } from "./busContract/handlerErrors.js";
import { OVERFLOW_CASES } from "./busContract/overflow.js";
import { PUBLISH_SUBSCRIBE_CASES } from "./busContract/publishSubscribe.js";
import { QUEUE_GROUP_CASES } from "./busContract/queueGroups.js";
import { REQUEST_ABORT_CASES } from "./busContract/requestAbort.js";
import { REQUEST_REPLY_CASES } from "./busContract/requestReply.js";
import { STATS_CASES } from "./busContract/stats.js";
import { WILDCARD_CASES } from "./busContract/wildcards.js";
import { ManualClock } from "./ManualClock.js";

export { BUS_CONTRACT_CASES };
export type { BusContractCase, BusContractOptions };

/** What {@link busContract} gives the bus factory for each case. */
export interface BusContractContext {
  /** A fresh clock per case: a bus that runs on it times requests out on `clock.advance()`. */
  readonly clock: ManualClock;
}

/** Every case's body, by id: one concern per file under `busContract/`. */
const CASES: Readonly<Record<BusContractCase, CaseBody>> = {
  ...PUBLISH_SUBSCRIBE_CASES,
  ...CONCURRENCY_CASES,
  ...WILDCARD_CASES,
  ...BAD_INPUT_CASES,
  ...QUEUE_GROUP_CASES,
  ...OVERFLOW_CASES,
  ...HANDLER_ERROR_CASES,
  ...REQUEST_REPLY_CASES,
  ...REQUEST_ABORT_CASES,
  ...FLUSH_AND_CLOSE_CASES,
  ...DISPOSAL_CASES,
  ...STATS_CASES,
};

/**
 * The behaviour every {@link Bus} implementation must share, as a runner-agnostic
 * test suite: it registers one test per case through `test` (vitest's or jest's
 * `test`, `node:test`'s `test`, ...) and asserts with `node:assert` only. Each
 * case gets a fresh bus from `makeBus` and closes it afterwards.
 *
 * Test names are `<case id>: <what it checks>` (see {@link BUS_CONTRACT_CASES}).
 * Request timeouts are checked on the injected `ManualClock`; a bus that keeps
 * real time instead still passes (within about a second of real time).
 *
 * @param makeBus - builds a fresh bus; it may use the context's `ManualClock`, or ignore its argument
 * @param test - the test runner's `test(name, fn)`
 * @param options - declared exceptions and the runner's `skip` to report them, the bus's topic length limit; see {@link BusContractOptions}
 * @throws ConfigError `INVALID_OPTION` for bad options: an unknown case id or an empty reason in `exceptions`, exceptions without `skip`, a `maxTopicLength` out of range
 * @example
 * ```ts
 * import { test } from "vitest";
 * import { createBus } from "@acme/agent-orchestrator";
 * import { busContract } from "@acme/agent-orchestrator/testing";
 *
 * busContract(({ clock }) => createBus({ clock }), test);
 * ```
 */
export function busContract(
  makeBus: (context: BusContractContext) => Bus | Promise<Bus>,
  test: (name: string, fn: () => unknown) => void,
  options: BusContractOptions = {},
): void {
  const { exceptions, skip, maxTopicLength } = checkBusContractOptions(options);
  for (const id of Object.keys(BUS_CONTRACT_CASES) as BusContractCase[]) {
    const title = `${id}: ${BUS_CONTRACT_CASES[id]}`;
    const reason = exceptions[id];
    if (reason !== undefined) {
      skip(title, reason);
      continue;
    }
    const body = CASES[id];
    test(title, async () => {
      const clock = new ManualClock(Date.UTC(2026, 0, 5, 9, 30));
      const bus = await makeBus({ clock });
      let failed = true;
      try {
        await body({ bus, clock, maxTopicLength });
        failed = false;
      } finally {
        const closing = within(Promise.resolve(bus.close()), SOON_MS, "bus.close() after the case");
        if (failed) await closing.catch(() => undefined);
        else await closing;
      }
    });
  }
}
