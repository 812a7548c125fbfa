/**
 * The NATS bus beside the raw `@nats-io/transport-node` client doing the same
 * work, in the same run, on loopback:
 *
 * - throughput: messages published on one connection and handled on another,
 *   batches of 1,000, each confirmed by the server before the next (decision
 *   29: the raw client publishes 1,000 then `await flush()`; the bus publishes
 *   1,000 then awaits the last `publish`, which resolves only after a server
 *   round trip that covers it), JSON payloads encoded and decoded on both
 *   sides;
 * - request/reply latency (context): sequential requests, one responder on
 *   another connection, p50 and p99.
 *
 *   npx tsx bench/nats.bench.ts                    # starts its own nats-server
 *   NATS_URL=nats://127.0.0.1:4222 npx tsx bench/nats.bench.ts
 *
 * Six designs:
 * - "raw client": bare JSON payloads, no metadata (the client's ceiling, and
 *   the baseline of the target);
 * - "raw + envelope": the raw client doing the bus's work on the wire, read
 *   literally: each message is the very bytes the bus sends (its envelope: the
 *   mark, an id of the bus's shape from a counter, a timestamp read once per
 *   batch as the bus reads it once per turn, the JSON payload), and the
 *   receiver reads the id and the timestamp and parses the payload; for
 *   context, beside the target's baseline (which it does not replace);
 * - "raw + metadata headers": the raw client carrying an id and a timestamp
 *   in NATS headers with its own API (`headers()` / `set()` to send,
 *   `msg.headers.get()` to read), for context;
 * - "raw + constant headers": one header block encoded once and never read,
 *   i.e. what carrying headers costs the protocol by itself, for context;
 * - NatsBus: `publish` / `subscribe` with the default wire format (id,
 *   timestamp and payload in one envelope; the handler called from the
 *   client's callback when its subscription is idle, else queued; JSON codec
 *   with its checks): the target, at least 90% of the raw client's throughput;
 * - NatsBus, wire: "headers": the same with the metadata in NATS headers, for context.
 *
 * Each of the RUNS runs (bench/lib/report.ts) is a fresh Node process that
 * interleaves ROUNDS rounds of every design, so the designs see the same
 * machine load; a run's figure for a design is the median of its rounds, and
 * the report gives the median of the runs (a ratio: the median of the runs'
 * ratios against the raw client of the same run). Exits with status 1 when the
 * target is missed. About 5 s a run.
 */
import { MsgHdrsImpl, connect, headers } from "@nats-io/transport-node";
import { execFileSync } from "node:child_process";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { createNatsBus, type NatsBus, type NatsWireFormat } from "@acme/agent-orchestrator/nats";
import { startNatsServer } from "../test/helpers/nats/natsServer.js";
import type { NatsServerProcess } from "../test/helpers/nats/natsServer.js";
import { RUNS, Report, median, quantile } from "./lib/report.js";

const BATCH = 1_000;
const MESSAGES = Number(process.env["BENCH_MESSAGES"] ?? 20_000);
const ROUNDS = Number(process.env["BENCH_ROUNDS"] ?? 5);
const REQUESTS = Number(process.env["BENCH_REQUESTS"] ?? 1_000);
/** The target: the bus's throughput (default wire format) at least this share of the raw client's. */
const TARGET_SHARE = 0.9;
/** Set in a run's child process: the server to use. */
const CHILD_URL = process.env["NATS_BENCH_CHILD_URL"];
const PAYLOAD = { symbol: "AAPL", px: 187.25, qty: 100, side: "buy" };
const decoder = new TextDecoder();

interface Design {
  readonly name: string;
  /** Send MESSAGES messages; resolves once all of them were handled. */
  throughput(): Promise<number>;
  /** One request/reply round trip; resolves with the reply. */
  request(): Promise<unknown>;
  close(): Promise<void>;
}

const prefix = `bench_${process.pid}`;
/** Each design's subjects are `<prefix>.<tag>.prices` and `<prefix>.<tag>.quote`: the same length for all, so no design carries more protocol bytes than another. */
const TAGS: Record<HeaderMode | NatsWireFormat, string> = { none: "r0", client: "r1", constant: "r2", text: "r3", envelope: "b0", headers: "b1" };

/** How the raw client carries message metadata ("text": in the bus's envelope, written and read by hand). */
type HeaderMode = "none" | "client" | "constant" | "text";

/** A header block encoded once: what carrying headers costs when building and parsing them costs nothing. */
class ConstantHeaders extends MsgHdrsImpl {
  static readonly bytes: Uint8Array = Buffer.from(`NATS/1.0\r\nAo-Id: bench.0\r\nAo-Time: ${Date.now()}\r\n\r\n`);

  override encode(): Uint8Array {
    return ConstantHeaders.bytes;
  }
}

const NAMES: Record<HeaderMode, string> = {
  none: "raw client",
  client: "raw + metadata headers",
  constant: "raw + constant headers",
  text: "raw + envelope",
};

/** An id of the shape the bus gives its messages: a 12-character bus id, a dot, a counter in base 36. */
const ENVELOPE_ID_PREFIX = `${"N".repeat(12)}.`;

/** The bus's envelope of `PAYLOAD` (docs/cluster.md, "Wire format"): mark and version, id, timestamp, empty line, JSON. */
function envelopeText(seq: number, time: number): string {
  return `\u0000\u0001${ENVELOPE_ID_PREFIX}${seq.toString(36)}\n${time}\n\n${JSON.stringify(PAYLOAD)}`;
}

/** Read an envelope as the bus does with the JSON codec: the text once, the id and the timestamp, then the payload. */
function readEnvelopeText(bytes: Uint8Array): { id: string; timestamp: number; payload: unknown } {
  const text = decoder.decode(bytes);
  const idEnd = text.indexOf("\n", 2);
  const timeEnd = text.indexOf("\n", idEnd + 1);
  return { id: text.slice(2, idEnd), timestamp: Number(text.slice(idEnd + 1, timeEnd)), payload: JSON.parse(text.slice(timeEnd + 2)) };
}

async function rawDesign(url: string, mode: HeaderMode): Promise<Design> {
  const name = NAMES[mode];
  const subject = `${prefix}.${TAGS[mode]}.prices`;
  const service = `${prefix}.${TAGS[mode]}.quote`;
  const publisher = await connect({ servers: url });
  const subscriber = await connect({ servers: url });
  let handled = 0;
  let target = 0;
  let done: (() => void) | undefined;
  subscriber.subscribe(subject, {
    callback: (_error, msg) => {
      if (mode === "client") {
        const h = msg.headers;
        void h?.get("Ao-Id");
        void Number(h?.get("Ao-Time"));
      }
      if (mode === "text") readEnvelopeText(msg.data);
      else JSON.parse(decoder.decode(msg.data));
      if (++handled === target) done?.();
    },
  });
  subscriber.subscribe(service, {
    callback: (_error, msg) => {
      const request = JSON.parse(decoder.decode(msg.data)) as typeof PAYLOAD;
      msg.respond(Buffer.from(JSON.stringify({ px: request.px, ok: true })));
    },
  });
  await subscriber.flush();
  let seq = 0;
  let time = Date.now();
  const constant = new ConstantHeaders();
  const publish = (): void => {
    if (mode === "text") return publisher.publish(subject, Buffer.from(envelopeText(seq++, time)));
    const data = Buffer.from(JSON.stringify(PAYLOAD));
    if (mode === "none") return publisher.publish(subject, data);
    if (mode === "constant") return publisher.publish(subject, data, { headers: constant });
    const h = headers();
    h.set("Ao-Id", `bench.${(seq++).toString(36)}`);
    h.set("Ao-Time", String(Date.now()));
    publisher.publish(subject, data, { headers: h });
  };
  return {
    name,
    async throughput() {
      const finished = new Promise<void>((resolve) => {
        done = resolve;
      });
      target = handled + MESSAGES;
      const started = performance.now();
      for (let sent = 0; sent < MESSAGES; sent += BATCH) {
        time = Date.now();
        for (let i = 0; i < BATCH; i++) publish();
        await publisher.flush();
      }
      await finished;
      return MESSAGES / ((performance.now() - started) / 1_000);
    },
    async request() {
      const reply = await publisher.request(service, Buffer.from(JSON.stringify(PAYLOAD)), { timeout: 5_000 });
      return JSON.parse(decoder.decode(reply.data)) as unknown;
    },
    async close() {
      await publisher.close();
      await subscriber.close();
    },
  };
}

const BUS = "NatsBus";
const BUS_HEADERS = 'NatsBus, wire: "headers"';

async function busDesign(url: string, wire: NatsWireFormat): Promise<Design> {
  const options = { prefix: `${prefix}.${TAGS[wire]}`, wire };
  const publisher: NatsBus = await createNatsBus({ servers: url }, options);
  const subscriber: NatsBus = await createNatsBus({ servers: url }, options);
  let handled = 0;
  let target = 0;
  let done: (() => void) | undefined;
  subscriber.subscribe("prices", () => {
    if (++handled === target) done?.();
  });
  subscriber.subscribe("quote", (message) => ({ px: (message.payload as typeof PAYLOAD).px, ok: true }));
  await subscriber.flush();
  return {
    name: wire === "envelope" ? BUS : BUS_HEADERS,
    async throughput() {
      const finished = new Promise<void>((resolve) => {
        done = resolve;
      });
      target = handled + MESSAGES;
      const started = performance.now();
      for (let sent = 0; sent < MESSAGES; sent += BATCH) {
        let acked: Promise<void> = Promise.resolve();
        for (let i = 0; i < BATCH; i++) acked = publisher.publish("prices", PAYLOAD);
        await acked;
      }
      await finished;
      return MESSAGES / ((performance.now() - started) / 1_000);
    },
    request: () => publisher.request("quote", PAYLOAD),
    async close() {
      await publisher.close();
      await subscriber.close();
    },
  };
}

/** What one run measured, per design: throughput (median of its rounds) and request latencies in µs. */
interface RunResult {
  readonly rates: Record<string, number>;
  readonly p50: Record<string, number>;
  readonly p99: Record<string, number>;
}

/** One run, in this (child) process: every design, rounds interleaved. */
async function run(url: string): Promise<RunResult> {
  const designs = [
    await rawDesign(url, "none"),
    await rawDesign(url, "client"),
    await rawDesign(url, "constant"),
    await rawDesign(url, "text"),
    await busDesign(url, "envelope"),
    await busDesign(url, "headers"),
  ];
  try {
    // warm-up: JIT, connection buffers
    for (const design of designs) {
      await design.throughput();
      for (let i = 0; i < 200; i++) await design.request();
    }
    const rates = new Map<string, number[]>(designs.map((design) => [design.name, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const design of designs) rates.get(design.name)?.push(await design.throughput());
    }
    const latencies = new Map<string, number[]>(designs.map((design) => [design.name, []]));
    for (let done = 0; done < REQUESTS; done += 100) {
      for (const design of designs) {
        const list = latencies.get(design.name) ?? [];
        for (let i = 0; i < 100; i++) {
          const started = performance.now();
          await design.request();
          list.push((performance.now() - started) * 1_000);
        }
      }
    }
    const result: RunResult = { rates: {}, p50: {}, p99: {} };
    for (const design of designs) {
      const sorted = [...(latencies.get(design.name) ?? [])].sort((a, b) => a - b);
      result.rates[design.name] = median(rates.get(design.name) ?? []);
      result.p50[design.name] = quantile(sorted, 0.5);
      result.p99[design.name] = quantile(sorted, 0.99);
    }
    return result;
  } finally {
    for (const design of designs) await design.close();
  }
}

const rate = (value: number): string => `${Math.round(value).toLocaleString("en-US")} msg/s`;
const percent = (value: number): string => `${(value * 100).toFixed(0)}%`;
const micros = (value: number): string => `${Math.round(value)} µs`;

/** The report: one row per design against the raw client, then the request latencies. */
function report(runs: readonly RunResult[]): void {
  const raw = NAMES.none;
  const of = (field: "rates" | "p50" | "p99", name: string): number => median(runs.map((result) => result[field][name] ?? Number.NaN));
  const share = (name: string): number => median(runs.map((result) => (result.rates[name] ?? Number.NaN) / (result.rates[raw] ?? Number.NaN)));
  const out = new Report(`NATS bus against the raw client (${MESSAGES.toLocaleString("en-US")} messages × ${ROUNDS} rounds a run, batches of ${BATCH.toLocaleString("en-US")} each confirmed by the server)`);
  const throughput = [
    { name: BUS, scenario: "NatsBus publish → handler, default wire format (envelope)", target: true },
    { name: BUS_HEADERS, scenario: 'NatsBus publish → handler, wire: "headers"', target: false },
    { name: NAMES.client, scenario: "raw client + id and timestamp in NATS headers", target: false },
    { name: NAMES.constant, scenario: "raw client + a constant header block", target: false },
    { name: NAMES.text, scenario: "raw client sending the bus's envelope bytes (id, timestamp, payload; read on receipt)", target: false },
  ];
  for (const { name, scenario, target } of throughput) {
    const ratio = share(name);
    out.row({
      scenario,
      ours: rate(of("rates", name)),
      baseline: `${rate(of("rates", raw))} (raw client, bare payloads)`,
      ratio: percent(ratio),
      target: target ? `≥ ${percent(TARGET_SHARE)} of the raw client` : "context",
      met: target ? ratio >= TARGET_SHARE : undefined,
    });
  }
  const sameBytes = median(runs.map((result) => (result.rates[BUS] ?? Number.NaN) / (result.rates[NAMES.text] ?? Number.NaN)));
  out.row({
    scenario: "NatsBus publish → handler against the raw client sending the same bytes (the row above)",
    ours: rate(of("rates", BUS)),
    baseline: `${rate(of("rates", NAMES.text))} (raw client, the bus's envelope bytes)`,
    ratio: percent(sameBytes),
    target: "context",
    met: undefined,
  });
  for (const name of [BUS, BUS_HEADERS]) {
    for (const [field, label] of [
      ["p50", "p50"],
      ["p99", "p99"],
    ] as const) {
      out.row({
        scenario: `${name} request/reply latency, ${label}`,
        ours: micros(of(field, name)),
        baseline: `${micros(of(field, raw))} (raw client)`,
        ratio: `${(of(field, name) / of(field, raw)).toFixed(2)}×`,
        target: "context",
        met: undefined,
      });
    }
  }
  out.finish();
}

if (CHILD_URL !== undefined) {
  // one run: print its figures for the parent
  console.log(JSON.stringify(await run(CHILD_URL)));
  process.exit(0);
} else {
  let server: NatsServerProcess | undefined;
  const url = process.env["NATS_URL"] ?? (server = await startNatsServer()).url;
  try {
    const runs: RunResult[] = [];
    for (let i = 0; i < RUNS; i++) {
      const output = execFileSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url)], {
        env: { ...process.env, NATS_BENCH_CHILD_URL: url },
        encoding: "utf8",
        stdio: ["ignore", "pipe", "inherit"],
      });
      runs.push(JSON.parse(output.trim().split("\n").pop() ?? "{}") as RunResult);
    }
    report(runs);
  } finally {
    await server?.dispose();
  }
}
