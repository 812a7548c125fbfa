import type { BusStats } from "../bus/Bus.js";

/** Messages per second over the last sampled interval. */
export interface BusRateValues {
  readonly published: number;
  readonly delivered: number;
  readonly dropped: number;
}

interface Sample {
  readonly at: number;
  readonly published: number;
  readonly delivered: number;
  readonly dropped: number;
}

/** The shortest interval a rate is computed over: one poll of the page. */
const MIN_INTERVAL_MS = 1_000;
/** Samples older than this are forgotten: a page opened after a quiet hour gets no hour-long average. */
const MAX_AGE_MS = 10_000;
/** At most this many samples are kept, whatever the number of viewers. */
const MAX_SAMPLES = 12;

/**
 * Bus rates from successive readings of its counters, kept here (server side)
 * so every viewer and the JSON get the same figures. A reading is taken only
 * when the page or its JSON is asked for: nothing runs while nobody looks.
 */
export class BusRates {
  readonly #samples: Sample[] = [];

  /**
   * Record `stats` read at `now` and return the rates since the newest earlier
   * reading at least a second old (or the oldest one kept), `undefined` when
   * there is none yet (the first reading, or a counter that went back: a new bus).
   */
  read(stats: BusStats, now: number): BusRateValues | undefined {
    const samples = this.#samples;
    while (samples.length > 0 && (now - (samples[0]?.at ?? now) > MAX_AGE_MS || (samples[0]?.at ?? now) > now)) samples.shift();
    const base = baseSample(samples, now);
    const newest = samples[samples.length - 1];
    if (newest === undefined || now - newest.at >= MIN_INTERVAL_MS / 2) {
      samples.push({ at: now, published: stats.published, delivered: stats.delivered, dropped: stats.dropped });
      if (samples.length > MAX_SAMPLES) samples.shift();
    }
    if (base === undefined) return undefined;
    const seconds = (now - base.at) / 1_000;
    const published = (stats.published - base.published) / seconds;
    const delivered = (stats.delivered - base.delivered) / seconds;
    const dropped = (stats.dropped - base.dropped) / seconds;
    if (published < 0 || delivered < 0 || dropped < 0) return undefined;
    return { published: round(published), delivered: round(delivered), dropped: round(dropped) };
  }
}

/** The newest sample at least {@link MIN_INTERVAL_MS} old, else the oldest older than now. */
function baseSample(samples: readonly Sample[], now: number): Sample | undefined {
  for (let i = samples.length - 1; i >= 0; i--) {
    const sample = samples[i];
    if (sample !== undefined && now - sample.at >= MIN_INTERVAL_MS) return sample;
  }
  const oldest = samples[0];
  return oldest !== undefined && oldest.at < now ? oldest : undefined;
}

function round(rate: number): number {
  return Math.round(rate * 10) / 10;
}
