import { OrchestratorError } from "./OrchestratorError.js";

/**
 * Codes of {@link BusError}:
 * - `INVALID_TOPIC`: a malformed topic or pattern;
 * - `BUS_CLOSED`: publish or subscribe after `close()`;
 * - `QUEUE_FULL`: a subscription with `overflow: 'error'` had no room;
 * - `NO_RESPONDERS`: a request matched no subscriber;
 * - `NO_REPLY`: every handler settled without a reply;
 * - `REQUEST_TIMEOUT`: no reply within `timeoutMs`;
 * - `REQUEST_ABORTED`: the request's `signal` aborted (its `reason` is the `cause`);
 * - `PAYLOAD_INVALID`: a payload the bus cannot carry (not encodable or cloneable);
 * - `INVALID_OPTION`: a bad bus, publish or subscribe option.
 */
export type BusErrorCode =
  | "INVALID_TOPIC"
  | "BUS_CLOSED"
  | "QUEUE_FULL"
  | "NO_RESPONDERS"
  | "NO_REPLY"
  | "REQUEST_TIMEOUT"
  | "REQUEST_ABORTED"
  | "PAYLOAD_INVALID"
  | "INVALID_OPTION";

/** An error raised by a {@link Bus} operation; `code` says which kind. */
export class BusError extends OrchestratorError {
  override name = "BusError";
  declare readonly code: BusErrorCode;
  /** The topic or pattern involved, when there is one. */
  readonly topic: string | undefined;

  constructor(code: BusErrorCode, message: string, options: { topic?: string; cause?: unknown } = {}) {
    super(code, message, { cause: options.cause });
    this.topic = options.topic;
  }
}
