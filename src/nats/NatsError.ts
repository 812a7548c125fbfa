import { OrchestratorError } from "../errors/OrchestratorError.js";

/**
 * Codes of {@link NatsError}:
 * - `CONNECT_FAILED`: `createNatsBus` / `createNatsCoordinator` could not connect to any server;
 * - `DISCONNECTED`: a publish or request while the connection to the server is
 *   down (or closed by its owner): the message was not sent; or one that was
 *   sent, but whose connection was lost before the server confirmed it: the
 *   message may not have reached the server and is treated as lost;
 * - `KV_UNAVAILABLE`: the coordinator's key-value bucket could not be created
 *   or opened (JetStream disabled on the server, no permission, ...);
 * - `CLAIM_FAILED`: a slot claim got no answer from JetStream (timeout,
 *   connection lost): the slot is not fired by this instance;
 * - `INVALID_OPTION`: a coordinator method was given a bad argument (a tick
 *   without a `key` to `claim`);
 * - `SLOT_KEY_INVALID`: a string that `encodeSlotKey` cannot encode (a lone
 *   UTF-16 surrogate) or `decodeSlotKey` cannot decode (not an encoded key);
 * - `PEER_MISSING`: an optional peer dependency is not installed:
 *   `createNatsBus` needs `@nats-io/transport-node`, `createNatsCoordinator`
 *   also `@nats-io/jetstream` and `@nats-io/kv`; the message has the
 *   `npm install` line, the runtime's "Cannot find module" is the `cause`;
 * - `BUCKET_MISCONFIGURED`: an existing key-value bucket has a setting that
 *   breaks what it is used for (a max age on the trigger-state bucket, memory
 *   storage where file storage was asked, ...); the message names the bucket,
 *   the setting, its value, what is needed and how to fix it;
 * - `STORE_WRITE_FAILED`: the NATS trigger store could not write a change
 *   (no answer from JetStream, lost connection, too many lost races);
 * - `STORE_CLOSED`: `load`, `apply` or `get` of the NATS trigger store after its `close()`;
 * - `STORE_READ_FAILED`: the NATS trigger store could not read its bucket or a
 *   key (`load()`, `get()`, or the read before a change);
 * - `STORE_CORRUPT`: a key of the trigger-state bucket holds something that is
 *   not a trigger record (written by another program): a change to it is
 *   refused until an operator removes or repairs the key;
 * - `LEASE_FAILED`: the NATS lease store could not answer an acquire, renew,
 *   release, read or announce (no answer from JetStream in time, lost
 *   connection), or was used after its `close()`: the caller cannot tell
 *   whether it holds the lease, and treats it as lost.
 */
export type NatsErrorCode =
  | "CONNECT_FAILED"
  | "DISCONNECTED"
  | "KV_UNAVAILABLE"
  | "CLAIM_FAILED"
  | "INVALID_OPTION"
  | "SLOT_KEY_INVALID"
  | "PEER_MISSING"
  | "BUCKET_MISCONFIGURED"
  | "STORE_WRITE_FAILED"
  | "STORE_READ_FAILED"
  | "STORE_CLOSED"
  | "STORE_CORRUPT"
  | "LEASE_FAILED";

/**
 * An error of the NATS bus, coordinator or trigger store that comes from the network or the
 * server, or from input only the NATS parts take (a slot key, a tick to
 * claim). Bad bus input is a `BusError` and bad coordinator options a
 * `ConfigError`, as for the in-process parts. The underlying client error, if
 * any, is the `cause`.
 */
export class NatsError extends OrchestratorError {
  override name = "NatsError";
  declare readonly code: NatsErrorCode;

  constructor(code: NatsErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(code, message, options);
  }
}
