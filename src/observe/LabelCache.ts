import { bucketLabels } from "./ScrapeMetric.js";
import type { BucketLabels, LabelSet } from "./ScrapeMetric.js";

/**
 * Label sets reused across scrapes, so each one is allocated once per agent
 * rather than once per scrape. One cache per registration: nothing is shared
 * between orchestrators.
 */
export class LabelCache {
  readonly #agents = new Map<string, LabelSet>();
  readonly #pairs = new Map<string, Map<string, LabelSet>>();
  readonly #infos = new Map<string, { readonly group: string; readonly path: readonly string[]; readonly critical: boolean; readonly labels: LabelSet }>();
  readonly #buckets = new WeakMap<readonly number[], WeakMap<LabelSet, BucketLabels>>();

  /** `{ agent }` for agent `name`. */
  agent(name: string): LabelSet {
    let labels = this.#agents.get(name);
    if (labels === undefined) {
      labels = Object.freeze({ agent: name });
      this.#agents.set(name, labels);
    }
    return labels;
  }

  /** `{ agent, [key]: value }` for agent `name`. */
  agentWith(name: string, key: string, value: string): LabelSet {
    let byPair = this.#pairs.get(name);
    if (byPair === undefined) {
      byPair = new Map();
      this.#pairs.set(name, byPair);
    }
    const id = `${key}\u0000${value}`;
    let labels = byPair.get(id);
    if (labels === undefined) {
      labels = Object.freeze({ agent: name, [key]: value });
      byPair.set(id, labels);
    }
    return labels;
  }

  /**
   * `{ agent, group, critical, path }` for agent `name`, `path` being the
   * group names joined by `/` (`desk/trading`). A path is normally the same
   * frozen array on every scrape: it is joined again only when it changes.
   */
  agentInfo(name: string, group: string, path: readonly string[], critical: boolean): LabelSet {
    let info = this.#infos.get(name);
    if (info === undefined || info.group !== group || info.critical !== critical || !samePath(info.path, path)) {
      info = { group, path, critical, labels: Object.freeze({ agent: name, group, critical: String(critical), path: path.join("/") }) };
      this.#infos.set(name, info);
    }
    return info.labels;
  }

  /** The label sets of a histogram's series with bucket bounds `bounds`, beside the labels `shared` (a set from this cache). */
  buckets(bounds: readonly number[], shared: LabelSet): BucketLabels {
    let byShared = this.#buckets.get(bounds);
    if (byShared === undefined) {
      byShared = new WeakMap();
      this.#buckets.set(bounds, byShared);
    }
    let labels = byShared.get(shared);
    if (labels === undefined) {
      labels = bucketLabels(bounds, shared);
      byShared.set(shared, labels);
    }
    return labels;
  }
}

/** Whether two group paths name the same groups (the same array, as a rule). */
function samePath(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
