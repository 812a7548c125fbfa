// The fencing token of a singleton travels in header `Ao-Lease-Token`. The
// NATS bus of this branch refuses every user header whose name starts with
// `Ao-` (src/wire/wireOptions.ts), the lease header included, so a singleton's
// publish fails with BusError INVALID_OPTION and the agent crash-loops.
//
// Until the bus lets that header through, a replica probes for the refusal
// at start and, only when it is refused, sends the token as `Lease-Token`
// instead (and says so). Once the bus carries `Ao-Lease-Token` the probe
// passes and the bus is used as it is. DESK_LEASE_HEADER=raw skips the
// workaround, to see the refusal itself.
import type { Bus, Message, PublishOptions, RequestOptions } from "../../../src/index.js";

/** The header the library puts on a singleton's messages. */
export const LEASE_HEADER = "Ao-Lease-Token";
/** The name the workaround sends it under. */
export const FALLBACK_LEASE_HEADER = "Lease-Token";

/** The fencing token a message carries, under either name; undefined when none. */
export function leaseToken(message: Message): number | undefined {
  const raw = message.headers?.[LEASE_HEADER] ?? message.headers?.[FALLBACK_LEASE_HEADER];
  return raw === undefined ? undefined : Number(raw);
}

/** True when `bus` refuses a publish with header `Ao-Lease-Token` (the topic is one nobody reads). */
export async function refusesLeaseHeader(bus: Bus, topic: string): Promise<boolean> {
  try {
    await bus.publish(topic, null, { headers: { [LEASE_HEADER]: "0" } });
    return false;
  } catch (error) {
    return (error as { code?: unknown }).code === "INVALID_OPTION";
  }
}

/** `bus`, with `Ao-Lease-Token` renamed `Lease-Token` on what is published or requested through it. */
export function renameLeaseHeader<B extends Bus>(bus: B): B {
  const renamed = <O extends PublishOptions>(options: O | undefined): O | undefined => {
    const token = options?.headers?.[LEASE_HEADER];
    if (options === undefined || token === undefined) return options;
    const { [LEASE_HEADER]: _dropped, ...headers } = options.headers ?? {};
    return { ...options, headers: { ...headers, [FALLBACK_LEASE_HEADER]: token } };
  };
  return new Proxy(bus, {
    get(target, property) {
      if (property === "publish") {
        return (topic: string, payload: unknown, options?: PublishOptions) => target.publish(topic, payload, renamed(options));
      }
      if (property === "request") {
        return (topic: string, payload: unknown, options?: RequestOptions) => target.request(topic, payload, renamed(options));
      }
      const value: unknown = Reflect.get(target, property, target);
      // the bus's methods use its private fields: call them on the bus itself, not on the proxy
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
