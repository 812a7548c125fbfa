import type { BusSubscription } from "../bus/delivery/BusSubscription.js";

/** The handle `NatsBus.subscribe` returns. */
export interface NatsBusSubscription extends BusSubscription {
  /** Stop receiving: the NATS subscription is removed and pending messages are dropped and counted. Idempotent. */
  unsubscribe(): void;
}
