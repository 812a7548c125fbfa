/**
 * A message's metadata as it travels beside its payload, in whichever wire
 * format: the envelope's metadata lines, or a transport's headers.
 */
export interface WireMetadata {
  /** The message id, when present. */
  id: string | undefined;
  /** The timestamp as a number, when present and numeric. */
  timestamp: number | undefined;
  /** The source, when present. */
  source: string | undefined;
  /** Every user header (first value of a repeated name), when there is any. */
  headers: Record<string, string> | undefined;
  /**
   * Set (true) when the message is a request whose requester reads the bus's
   * reply statuses; absent otherwise.
   */
  replyStatus?: boolean;
}

/**
 * What a requester that reads the bus's reply statuses announces on its
 * requests (the envelope's `r` line, or a transport's reply header).
 */
export const REPLY_PROTOCOL_STATUS = "status";

/** Set a received header unless the name is already there (the first value wins); `__proto__` is data, not the prototype. */
export function setHeader(headers: Record<string, string>, key: string, value: string): void {
  if (Object.hasOwn(headers, key)) return;
  if (key === "__proto__") Object.defineProperty(headers, key, { value, enumerable: true, writable: true, configurable: true });
  else headers[key] = value;
}
