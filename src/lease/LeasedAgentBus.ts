import { AgentBus, type AgentBusHooks } from "../agent/AgentBus.js";
import type { Bus, PayloadOf, PublishOptions, RequestOptions, TopicMap } from "../bus/Bus.js";
import type { AgentCounters } from "../stats/AgentCounters.js";
import type { LeaseView } from "./LeaseStore.js";
import { LEASE_TOKEN_HEADER } from "./leaseTokenHeader.js";


/**
 * The bus view of one incarnation of a singleton agent: as {@link AgentBus},
 * and every message it publishes (and every request it sends) carries the
 * lease's fencing token in header `Ao-Lease-Token`, so a consumer can drop
 * what a stale holder sends (docs/cluster.md). Headers the agent sets are
 * kept; the token header is always the lease's.
 */
export class LeasedAgentBus extends AgentBus {
  /** The lease this incarnation runs under (`Agent.lease`). */
  readonly lease: LeaseView;
  readonly #token: string;

  constructor(inner: Bus, agent: string, counters: AgentCounters, hooks: AgentBusHooks, lease: LeaseView) {
    super(inner, agent, counters, hooks);
    this.lease = lease;
    this.#token = String(lease.token);
  }

  override publish<Topic extends string>(topic: Topic, payload: PayloadOf<TopicMap, Topic>, options: PublishOptions = {}): Promise<void> {
    return super.publish(topic, payload, { ...options, headers: { ...options.headers, [LEASE_TOKEN_HEADER]: this.#token } });
  }

  override request<Topic extends string>(topic: Topic, payload: PayloadOf<TopicMap, Topic>, options: RequestOptions = {}): Promise<unknown> {
    return super.request(topic, payload, { ...options, headers: { ...options.headers, [LEASE_TOKEN_HEADER]: this.#token } });
  }
}
