import type { Message } from "./Bus.js";

/**
 * Key of an internal mark (not part of the public API) on a message whose
 * sender waits for a reply: the in-process bus's request messages carry it on
 * their prototype, a networked bus sets it (not enumerable) on a request it
 * receives. A thread agent's stand-in reads it to know whether its handler's
 * value must cross back as the reply.
 */
export const EXPECTS_REPLY: unique symbol = Symbol("@acme/agent-orchestrator.expectsReply") as never;

/** Whether `message` is a request: its handler's value other than `undefined` is the reply. */
export function expectsReply(message: Message): boolean {
  return (message as { readonly [EXPECTS_REPLY]?: boolean })[EXPECTS_REPLY] === true;
}

/** Mark a received `message` as a request (not enumerable: a copy of the message does not carry it). */
export function markExpectsReply(message: Message): void {
  Object.defineProperty(message, EXPECTS_REPLY, { value: true });
}
