import assert from "node:assert/strict";
import { MAX_TOPIC_LENGTH } from "../../bus/topic.js";
import { describeThrown } from "../../errors/describeThrown.js";

/** Real-time bound for anything a correct bus does at once (a networked one included). */
export const SOON_MS = 2_000;

/** A promise held until `release()`: a handler that waits on it stays busy. */
export interface Gate {
  readonly promise: Promise<void>;
  readonly release: () => void;
}

/** A fresh {@link Gate}. */
export function gate(): Gate {
  let release!: () => void;
  const promise = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { promise, release };
}

/** Whether `error` carries the stable `code`. */
export function hasCode(error: unknown, code: string): boolean {
  try {
    return typeof error === "object" && error !== null && (error as { code?: unknown }).code === code;
  } catch {
    return false;
  }
}

/** Whether the error's message contains `text` (the topic or pattern refused). */
export function namesIt(error: unknown, text: string): boolean {
  return messageOf(error).includes(text);
}

/** Whether the error's message names the topic length limit, as `1024` or `1,024`. */
export function namesLimit(error: unknown): boolean {
  const message = messageOf(error);
  return message.includes(String(MAX_TOPIC_LENGTH)) || message.includes(MAX_TOPIC_LENGTH.toLocaleString("en-US"));
}

/** An error's whole `message` (not cut, unlike {@link describeThrown}), or a description of what was thrown. */
export function messageOf(error: unknown): string {
  try {
    const message = error instanceof Error ? error.message : undefined;
    if (typeof message === "string") return message;
  } catch {
    // unreadable: describe it instead
  }
  return describeThrown(error);
}

/** Let a few macrotask turns pass (promise chains settle, a bus's drain runs); no real-time wait. */
export async function turns(count: number): Promise<void> {
  for (let i = 0; i < count; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Wait until `predicate()` holds, turn by turn, failing after {@link SOON_MS} of real time. */
export async function waitFor(predicate: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + SOON_MS;
  while (!predicate()) {
    if (Date.now() > deadline) assert.fail(`timed out after ${SOON_MS} ms waiting for ${what}`);
    await turns(1);
  }
}

/** `promise`, or a failure naming `what` if it has not settled within `ms` of real time. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new assert.AssertionError({ message: `timed out after ${ms} ms waiting for ${what}` })), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
