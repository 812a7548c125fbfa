import { JetStreamApiCodes, JetStreamApiError } from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import { describeValue } from "../check.js";
import type { TriggerCoordinator } from "../orchestrator/TriggerCoordinator.js";
import type { TickMessage } from "../schedule/ScheduleSpec.js";
import { describeThrown } from "../errors/describeThrown.js";
import { NatsError } from "./NatsError.js";
import { encodeSlotKey } from "./slotKey.js";

/** Counters of a {@link NatsCoordinator}. */
export interface NatsCoordinatorStats {
  /** Slots this instance claimed (its `create` succeeded): it fired them. */
  readonly claimed: number;
  /** Slots another instance had claimed first. */
  readonly conceded: number;
  /** Claims that failed (no answer from JetStream): those slots were not fired here. */
  readonly failed: number;
}

/** What a claimed slot's key holds, for people inspecting the bucket. */
export interface SlotClaim {
  /** The claiming instance's name. */
  readonly instance: string;
  /** The tick's key. */
  readonly key: string;
  /** The slot's instant (ms since the epoch). */
  readonly scheduledAt: number;
  /** When it was claimed, on the claiming instance's clock. */
  readonly claimedAt: number;
}

/**
 * A {@link TriggerCoordinator} over a JetStream key-value bucket, so that
 * orchestrators sharing a schedule fire each slot once across the cluster.
 * Create one with `createNatsCoordinator`.
 *
 * `claim(tick)` creates the key derived from `tick.key` (see `encodeSlotKey`);
 * JetStream accepts a create only when the key does not exist, so exactly one
 * instance's create succeeds and only that instance fires the slot. Keys expire
 * with the bucket's `ttl`.
 */
export class NatsCoordinator implements TriggerCoordinator {
  /** The bucket's name. */
  readonly bucket: string;
  /** This instance's name, stored with its claims. */
  readonly instance: string;
  readonly #kv: KV;
  readonly #connection: NatsConnection;
  readonly #owned: boolean;
  #claimed = 0;
  #conceded = 0;
  #failed = 0;
  #closing: Promise<void> | undefined;

  /**
   * @param init - the bucket (opened), its name, the connection and whether `close()` closes it, this instance's name
   */
  constructor(init: { kv: KV; bucket: string; connection: NatsConnection; owned: boolean; instance: string }) {
    this.#kv = init.kv;
    this.bucket = init.bucket;
    this.#connection = init.connection;
    this.#owned = init.owned;
    this.instance = init.instance;
  }

  /**
   * Claim the slot of `tick`: resolves `true` when this instance created its
   * key (and so fires it), `false` when another instance had.
   *
   * @throws NatsError `INVALID_OPTION` for a tick without a `key`; `CLAIM_FAILED` when JetStream gave no answer (timeout, lost connection, closed coordinator): the slot is not fired here
   */
  async claim(tick: TickMessage): Promise<boolean> {
    const key = (tick as Partial<TickMessage> | null)?.key;
    if (typeof key !== "string" || key === "") {
      throw new NatsError("INVALID_OPTION", `NatsCoordinator.claim: expected a tick with a non-empty \`key\`, got ${describeValue(tick)}`);
    }
    if (this.#closing !== undefined) {
      this.#failed++;
      throw new NatsError("CLAIM_FAILED", `Cannot claim slot ${key}: the coordinator is closed`);
    }
    const claim: SlotClaim = { instance: this.instance, key, scheduledAt: tick.scheduledAt, claimedAt: tick.firedAt };
    try {
      await this.#kv.create(encodeSlotKey(key), JSON.stringify(claim));
    } catch (error) {
      if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamWrongLastSequence) {
        this.#conceded++;
        return false;
      }
      this.#failed++;
      throw new NatsError("CLAIM_FAILED", `Cannot claim slot ${key} in bucket ${JSON.stringify(this.bucket)}: ${describeThrown(error)}`, { cause: error });
    }
    this.#claimed++;
    return true;
  }

  /** How many slots this instance claimed, conceded and failed to decide. */
  stats(): NatsCoordinatorStats {
    return { claimed: this.#claimed, conceded: this.#conceded, failed: this.#failed };
  }

  /**
   * Stop claiming. A connection the coordinator opened is drained and closed;
   * one passed in stays open. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      if (!this.#owned || this.#connection.isClosed()) return;
      try {
        await this.#connection.drain();
      } catch {
        // already closing
      }
    })();
    return this.#closing;
  }
}
