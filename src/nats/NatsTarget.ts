import { connect } from "@nats-io/transport-node";
import type { NatsConnection, NodeConnectionOptions } from "@nats-io/transport-node";
import { describeValue } from "../check.js";
import { describeThrown } from "../errors/describeThrown.js";
import { NatsError } from "./NatsError.js";

/**
 * Connect to these servers: the bus or coordinator opens its own connection
 * and closes it in `close()`. The other fields are `@nats-io/transport-node`
 * connection options (credentials, TLS, `reconnectTimeWait`, `name`, ...).
 * Unlike the client's defaults, reconnection never gives up
 * (`maxReconnectAttempts: -1`): a long-lived orchestrator rides out a broker
 * restart. Pass `maxReconnectAttempts` to change that.
 */
export type NatsServersTarget = Omit<NodeConnectionOptions, "servers"> & {
  /** One `host:port` / `nats://host:port` URL or several (a cluster). */
  servers: string | string[];
};

/** Use this connection: the caller owns it, and `close()` leaves it open. */
export interface NatsConnectionTarget {
  /** A connection from `@nats-io/transport-node`'s `connect()`. */
  connection: NatsConnection;
}

/** Where a NATS bus or coordinator gets its connection. */
export type NatsTarget = NatsServersTarget | NatsConnectionTarget;

/** A connection and whether it was opened here (and must be closed here). */
export interface OpenedConnection {
  readonly connection: NatsConnection;
  readonly owned: boolean;
}

/** Connection options applied when the bus or coordinator connects by itself (the caller's win). */
const CONNECT_DEFAULTS: Partial<NodeConnectionOptions> = { maxReconnectAttempts: -1, name: "agent-orchestrator" };

/**
 * Check `target` and return its connection, connecting when it names servers.
 *
 * @param target - what the caller passed
 * @param where - the calling function, for error messages
 * @param invalid - builds the error for a malformed target (a `BusError` or a `ConfigError`)
 * @throws the error from `invalid` for a malformed target; `NatsError` `CONNECT_FAILED` when no server answers
 */
export async function openConnection(target: unknown, where: string, invalid: (message: string) => Error): Promise<OpenedConnection> {
  if (typeof target !== "object" || target === null || Array.isArray(target)) {
    throw invalid(`${where}: expected the first argument to be { servers } or { connection }, got ${describeValue(target)}`);
  }
  const hasServers = "servers" in target && (target as { servers?: unknown }).servers !== undefined;
  const hasConnection = "connection" in target && (target as { connection?: unknown }).connection !== undefined;
  if (hasServers === hasConnection) {
    throw invalid(`${where}: expected exactly one of \`servers\` (connect to these servers) or \`connection\` (use this NATS connection), got ${hasServers ? "both" : "neither"}`);
  }
  if (hasConnection) {
    const connection: unknown = target.connection;
    if (!isConnection(connection)) {
      throw invalid(`${where}: expected \`connection\` to be a NatsConnection from @nats-io/transport-node's connect(), got ${describeValue(connection)}`);
    }
    if (connection.isClosed()) throw invalid(`${where}: the \`connection\` passed is already closed`);
    return { connection, owned: false };
  }
  const { servers, ...rest } = target as NatsServersTarget;
  const list = typeof servers === "string" ? [servers] : servers;
  if (!Array.isArray(list) || list.length === 0 || !list.every((server) => typeof server === "string" && server.trim() !== "")) {
    throw invalid(`${where}: expected \`servers\` to be a server URL such as "nats://127.0.0.1:4222" or a non-empty array of them, got ${describeValue(servers)}`);
  }
  try {
    const connection = await connect({ ...CONNECT_DEFAULTS, ...rest, servers: list });
    return { connection, owned: true };
  } catch (error) {
    throw new NatsError("CONNECT_FAILED", `${where}: could not connect to ${list.join(", ")}: ${describeThrown(error)}`, { cause: error });
  }
}

function isConnection(value: unknown): value is NatsConnection {
  if (typeof value !== "object" || value === null) return false;
  const shape = value as Partial<Record<keyof NatsConnection, unknown>>;
  return typeof shape.publish === "function" && typeof shape.subscribe === "function" && typeof shape.flush === "function" && typeof shape.status === "function" && typeof shape.isClosed === "function";
}
