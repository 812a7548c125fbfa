import { MAX_TOPIC_LENGTH } from "../../bus/topic.js";
import { OptionCheck, describeValue } from "../../check.js";
import { ConfigError } from "../../errors/ConfigError.js";
import { BUS_CONTRACT_CASES } from "./cases.js";
import type { BusContractCase } from "./cases.js";

/** Options of {@link busContract}. */
export interface BusContractOptions {
  /**
   * Named, documented differences of the bus under test: case id → the reason.
   * An excepted case is not run: it is handed to {@link BusContractOptions.skip}
   * with its reason, so the runner reports it as a skipped test carrying the
   * reason and the difference shows in every test report instead of
   * disappearing. Declaring an exception therefore needs `skip`. Unknown ids and
   * empty reasons are refused (a typo must not silence a case).
   *
   * @default {}
   * @example
   * ```ts
   * busContract(makeNatsBus, test, {
   *   skip: (name, reason) => test.skip(`${name} — declared exception: ${reason}`, () => undefined),
   *   exceptions: { flushCoversEarlierMessages: "flush() waits for the server's ack, not for remote subscribers" },
   * });
   * ```
   */
  exceptions?: Partial<Record<BusContractCase, string>>;
  /**
   * Registers a skipped test with the runner: called once per declared exception,
   * in case order, with the case's test name (`<case id>: <what it checks>`) and
   * the declared reason, instead of registering the case through `test`.
   * Required when `exceptions` declares any; unused otherwise.
   *
   * @example
   * ```ts
   * // vitest or jest
   * skip: (name, reason) => test.skip(`${name} — declared exception: ${reason}`, () => undefined),
   * // node:test
   * skip: (name, reason) => test(name, { skip: reason }, () => undefined),
   * ```
   */
  skip?: (name: string, reason: string) => void;
  /**
   * The longest topic the bus under test accepts, in characters. Every Bus
   * refuses topics and patterns longer than {@link MAX_TOPIC_LENGTH} (1,024)
   * characters, any prefix it adds included: a bus that sends topic `a.b` as
   * `<prefix>.a.b` accepts `MAX_TOPIC_LENGTH - prefix.length - 1`, and says so
   * here so that case `topicLengthLimit` checks its exact limit. An integer
   * from 3 to {@link MAX_TOPIC_LENGTH}.
   *
   * @default MAX_TOPIC_LENGTH
   */
  maxTopicLength?: number;
}

/** {@link BusContractOptions} checked, defaults filled. */
export interface CheckedBusContractOptions {
  readonly exceptions: Partial<Record<BusContractCase, string>>;
  readonly skip: (name: string, reason: string) => void;
  readonly maxTopicLength: number;
}

const check = new OptionCheck("busContract", (message, _option, value) => new ConfigError(message, { code: "INVALID_OPTION", value }));

/** Throw `INVALID_OPTION` unless every declared exception names a known case and gives a reason. */
function checkExceptions(exceptions: unknown): Partial<Record<BusContractCase, string>> {
  if (typeof exceptions !== "object" || exceptions === null) throw check.error("exceptions", "an object of case id → reason", exceptions);
  for (const [id, reason] of Object.entries(exceptions)) {
    if (!Object.hasOwn(BUS_CONTRACT_CASES, id)) {
      throw new ConfigError(
        `busContract: unknown case ${JSON.stringify(id)} in \`exceptions\`; expected one of ${Object.keys(BUS_CONTRACT_CASES).join(", ")}`,
        { code: "INVALID_OPTION", value: id },
      );
    }
    if (typeof reason !== "string" || reason.trim() === "") throw check.error(`exceptions.${id}`, "a non-empty reason", reason);
  }
  return exceptions;
}

/**
 * The options of {@link busContract}, checked: a bad one throws a
 * {@link ConfigError} with the code `INVALID_OPTION` naming it.
 */
export function checkBusContractOptions(options: BusContractOptions): CheckedBusContractOptions {
  const { exceptions = {}, skip, maxTopicLength = MAX_TOPIC_LENGTH } = check.object(options);
  const declared = Object.keys(checkExceptions(exceptions));
  if (skip !== undefined && typeof skip !== "function") {
    throw check.error("skip", "a function (name, reason) that registers a skipped test", skip);
  }
  if (skip === undefined && declared.length > 0) {
    throw new ConfigError(
      `busContract: \`exceptions\` declares ${declared.join(", ")} but there is no \`skip\`: a declared exception is reported as a skipped test carrying its reason, so pass the runner's way to register one, such as \`skip: (name, reason) => test.skip(\`\${name} — declared exception: \${reason}\`, () => undefined)\``,
      { code: "INVALID_OPTION", value: exceptions },
    );
  }
  if (!Number.isSafeInteger(maxTopicLength) || maxTopicLength < 3 || maxTopicLength > MAX_TOPIC_LENGTH) {
    throw new ConfigError(
      `busContract: expected \`maxTopicLength\` to be an integer from 3 to ${MAX_TOPIC_LENGTH} (MAX_TOPIC_LENGTH: no Bus accepts longer topics, any prefix included), got ${describeValue(maxTopicLength)}`,
      { code: "INVALID_OPTION", value: maxTopicLength },
    );
  }
  // without exceptions `skip` is never called
  return { exceptions, skip: skip ?? (() => undefined), maxTopicLength };
}
