/**
 * Soak: the library under load for a bounded time, on the real event loop.
 *
 *   npm run soak        # builds dist/, then runs this file against it (node --expose-gc --import tsx)
 *
 * Four phases, the first three with 1,000 agents:
 * 1. bus load — 1,000,000 messages through the agents' bus views, handlers
 *    that sometimes throw, bounded queues that overflow: every message counted
 *    as delivered or dropped;
 * 2. restart loop — 10,000 crash-and-restart cycles (fresh instances, bus
 *    views, scoped timers, a never-settling handler call each), heap measured
 *    after forced GCs before, after, and after as many again;
 * 3. crash storm — every agent crashes at once, three times, on the real
 *    clock; event-loop delay (p50/p99/max) idle and during the storms;
 * 4. singletons — three replica processes of the built package sharing five
 *    singleton agents (lease TTL 1 s) on a NATS server, a random replica running one
 *    killed (SIGKILL) and replaced every 0.6–2 s for 60 s; where each agent
 *    ran, sampled every 50 ms: never on two replicas, never nowhere for longer
 *    than TTL + TTL/3 (+ 50 ms) after its holder died. It uses NATS_URL, else
 *    starts nats-server (-js, temporary store) when it is on the PATH, else it
 *    is skipped with a banner.
 *
 * Prints a Markdown report (machine, Node version, figures) and exits with
 * status 1 when a count does not add up, the heap grew by more than 5 % per
 * 10,000 restarts, the storm's p99 delay passed 250 ms, or a singleton ran
 * twice at once or was down too long. About two minutes.
 * Scale with SOAK_AGENTS, SOAK_MESSAGES, SOAK_RESTARTS, SOAK_STORMS, SOAK_SINGLETON_SECONDS.
 */
import os from "node:os";
import { busLoad } from "./soak/busLoad.js";
import { crashStorm, RESOLUTION_MS } from "./soak/crashStorm.js";
import { restartLoop } from "./soak/restartLoop.js";
import { SAMPLE_MS, SINGLETON_AGENTS, SINGLETON_TTL_MS, TAKEOVER_BOUND_MS, singletonSoak } from "./soak/singletons.js";

const AGENTS = Number(process.env["SOAK_AGENTS"] ?? 1_000);
const MESSAGES = Number(process.env["SOAK_MESSAGES"] ?? 1_000_000);
const RESTARTS = Number(process.env["SOAK_RESTARTS"] ?? 10_000);
const STORMS = Number(process.env["SOAK_STORMS"] ?? 3);
const SINGLETON_SECONDS = Number(process.env["SOAK_SINGLETON_SECONDS"] ?? 60);
const MAX_HEAP_GROWTH = 0.05;
const MAX_STORM_P99_MS = 250;

const failures: string[] = [];
const check = (ok: boolean, what: string): string => {
  if (!ok) failures.push(what);
  return ok ? "yes" : "**no**";
};
const n = (value: number): string => value.toLocaleString("en-US");
const mb = (bytes: number): string => `${(bytes / 1_048_576).toFixed(1)} MB`;

const began = Date.now();
console.log(`# Soak run — ${new Date().toISOString()}\n`);
console.log(`Machine: ${os.cpus()[0]?.model ?? "unknown CPU"}, ${os.cpus().length} cores, ${mb(os.totalmem())} RAM, ${os.platform()} ${os.release()}; Node ${process.version}\n`);

const load = await busLoad(AGENTS, MESSAGES);
console.log(`## Bus load: ${n(load.agents)} agents, ${n(load.published)} messages\n`);
console.log("| | counted | bus stats |\n|---|---:|---:|");
console.log(`| published | ${n(load.published)} | ${n(load.stats.published)} |`);
console.log(`| delivered (handler calls, throws included) | ${n(load.handled)} | ${n(load.stats.delivered)} |`);
console.log(`| dropped (queue overflow) | ${n(load.dropped)} | ${n(load.stats.dropped)} |`);
console.log(`| handler throws | ${n(load.threw)} | ${n(load.stats.handlerErrors)} |`);
console.log(`| pending at the end | – | ${n(load.stats.pending)} |`);
console.log();
console.log(`- published = delivered + dropped: ${check(load.published === load.handled + load.dropped, "bus: published ≠ delivered + dropped")} (${n(load.published)} = ${n(load.handled)} + ${n(load.dropped)})`);
console.log(`- the bus's counters agree with ours: ${check(load.stats.published === load.published && load.stats.delivered === load.handled && load.stats.dropped === load.dropped && load.stats.handlerErrors === load.threw && load.stats.pending === 0, "bus: counters disagree")}`);
console.log(`- every throw reached its subscription's onError, none was a crash: ${check(load.routedErrors === load.threw && load.crashes === 0, "bus: errors not routed")}`);
console.log(`- ${n(Math.round(load.published / load.seconds))} messages/s (${load.seconds.toFixed(1)} s)\n`);

const loop = await restartLoop(AGENTS, RESTARTS);
const growth = (loop.heapAfter - loop.heapBefore) / loop.heapBefore;
const growthSecond = (loop.heapAfterSecond - loop.heapAfter) / loop.heapAfter;
console.log(`## Restart loop: ${n(loop.agents)} agents, ${n(loop.restarts)} restarts measured after a warm-up (then as many again)\n`);
console.log(`- ${n(Math.round(loop.restarts / loop.seconds))} crash-and-restart cycles/s (${loop.seconds.toFixed(1)} s)`);
console.log(`- heap after forced GC: before ${mb(loop.heapBefore)}, after ${mb(loop.heapAfter)} (${(growth * 100).toFixed(2)} %), after as many again ${mb(loop.heapAfterSecond)} (${(growthSecond * 100).toFixed(2)} %)`);
console.log(`- no growth beyond noise (≤ ${MAX_HEAP_GROWTH * 100} % per ${n(loop.restarts)} restarts): ${check(growth <= MAX_HEAP_GROWTH && growthSecond <= MAX_HEAP_GROWTH, "restarts: heap grew")}\n`);

const storm = await crashStorm(AGENTS, STORMS);
const worstP99 = Math.max(...storm.storms.map((s) => s.p99));
console.log(`## Crash storm: ${n(storm.agents)} agents crash at once, ${storm.storms.length} times (real clock)\n`);
console.log(`| event-loop delay (sampled every ${RESOLUTION_MS} ms, included) | p50 | p99 | max |\n|---|---:|---:|---:|`);
console.log(`| idle (all running, heartbeats and traffic) | ${storm.idle.p50} ms | ${storm.idle.p99} ms | ${storm.idle.max} ms |`);
storm.storms.forEach((s, i) => console.log(`| storm ${i + 1} | ${s.p50} ms | ${s.p99} ms | ${s.max} ms |`));
console.log();
console.log(`- crashing all ${n(storm.agents)} agents in one tick took ${storm.crashTickMs} ms (crash handling, disposal, restart scheduling)`);
console.log(`- every agent running again within ${n(storm.recoveryMs)} ms of a storm (back-off 1 s, jitter 20 %)`);
console.log(`- storm p99 under ${MAX_STORM_P99_MS} ms: ${check(worstP99 < MAX_STORM_P99_MS, "storm: event-loop delay p99 too high")} (worst ${worstP99} ms)\n`);

const single = await singletonSoak(SINGLETON_SECONDS);
if (single.skipped !== undefined) {
  const banner = "#".repeat(78);
  console.log(`## Singletons: SKIPPED\n\n\`\`\`\n${banner}\n#  SINGLETON PHASE SKIPPED: ${single.skipped}.\n#  Set NATS_URL to a server with JetStream, or install nats-server.\n${banner}\n\`\`\`\n`);
  console.error(`\nsoak: the singleton phase was SKIPPED (${single.skipped})\n`);
} else {
  const sorted = [...single.takeovers].sort((x, y) => x - y);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  console.log(`## Singletons: 3 replica processes, ${SINGLETON_AGENTS.length} singletons, lease TTL ${SINGLETON_TTL_MS} ms, ${single.seconds.toFixed(0)} s of random kill -9\n`);
  console.log(`- server: ${single.server}`);
  console.log(`- ${n(single.kills)} replicas killed and replaced; ${n(single.samples)} samples (every ${SAMPLE_MS} ms) × ${SINGLETON_AGENTS.length} singletons`);
  console.log(`- never on two replicas at once: ${check(single.twice === 0 && single.overlaps === 0, "singletons: ran twice at once")} (${n(single.twice)} samples, ${n(single.overlaps)} overlapping runs)`);
  console.log(`- never nowhere for longer than ${TAKEOVER_BOUND_MS} ms: ${check(single.longestGap <= TAKEOVER_BOUND_MS, "singletons: down too long")} (longest ${n(single.longestGap)} ms; ${n(sorted.length)} takeovers after a kill, from the kill: p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${sorted.at(-1) ?? 0} ms)`);
  console.log(`- every singleton running on exactly one replica at the end: ${check(single.settledAtEnd && single.errors.length === 0, "singletons: not settled")}${single.errors.length > 0 ? ` (${single.errors.join("; ")})` : ""}\n`);
}

console.log(`Total: ${((Date.now() - began) / 1_000).toFixed(0)} s.`);
if (failures.length > 0) {
  console.log(`\nFAILED: ${failures.join("; ")}`);
  process.exitCode = 1;
}
