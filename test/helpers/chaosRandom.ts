/**
 * Seeded randomness for the chaos suite: mulberry32, a small 32-bit PRNG whose
 * whole state is one integer, so that any run is replayed from its seed.
 */
export interface Random {
  /** Uniform in [0, 1). */
  (): number;
  /** Integer uniform in [min, max]. */
  int(min: number, max: number): number;
  /** True with probability `p`. */
  chance(p: number): boolean;
  /** One element of `items`, uniformly. */
  pick<T>(items: readonly T[]): T;
  /** Exponentially distributed with mean `mean`, rounded to whole ms, at least 1. */
  exp(mean: number): number;
  /** A child stream, independent of this one's later draws, named by `label`. */
  fork(label: string): Random;
}

/** mulberry32 over `seed` (any integer; only its low 32 bits count). */
export function mulberry32(seed: number): Random {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const random = next as Random;
  random.int = (min, max) => min + Math.floor(next() * (max - min + 1));
  random.chance = (p) => next() < p;
  random.pick = <T>(items: readonly T[]): T => {
    if (items.length === 0) throw new RangeError("pick() from an empty list");
    return items[Math.floor(next() * items.length)] as T;
  };
  random.exp = (mean) => Math.max(1, Math.round(-mean * Math.log(1 - next())));
  random.fork = (label) => mulberry32(hashSeed(seed, label));
  return random;
}

/** A 32-bit seed derived from `seed` and `label` (FNV-1a over both). */
export function hashSeed(seed: number, label: string): number {
  let hash = 0x811c9dc5 ^ (seed >>> 0);
  const text = `${seed}:${label}`;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** A `random` function that records every value it hands out (for the orchestrator's `random` option). */
export function recordingRandom(source: Random): { readonly random: () => number; readonly draws: number[] } {
  const draws: number[] = [];
  return {
    draws,
    random: () => {
      const value = source();
      draws.push(value);
      return value;
    },
  };
}
