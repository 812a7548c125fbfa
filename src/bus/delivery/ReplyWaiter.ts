/**
 * What waits for the deliveries of one request message to settle, registered
 * with `DeliveryCore.expectReplies`. An in-process request needs none (its
 * `RequestMessage` is settled directly); a networked bus's answers the remote requester.
 */
export interface ReplyWaiter {
  /**
   * One delivery of the message settled: with the handler's value, or with
   * `undefined` when it gave no reply (returned nothing, failed, or the copy was
   * dropped). Returns true once it needs to hear no more. A throw is the
   * handler call's failure (it goes to `onError`); it must not throw for `undefined`.
   */
  settle(value: unknown): boolean;
}
