import type { BusStats } from "../bus/Bus.js";

/**
 * The counters of a `NatsBus`: the bus counters, where `published`
 * counts only what the server confirmed, and one more.
 */
export interface NatsBusStats extends BusStats {
  /**
   * Messages (publishes and requests) sent while the connection was up whose
   * connection was lost before the server confirmed them: their `publish`
   * rejected with `NatsError` `DISCONNECTED` (a request likewise, unless it was
   * answered first). They may not have reached the server and are treated as
   * lost. Publishes refused at once because the connection was already down
   * are not counted: they were never sent.
   */
  lostOnDisconnect: number;
}
