/**
 * The NATS bus beside the raw `@nats-io/transport-node` client doing the same
 * work, in the same run, on loopback:
 *
 * - throughput: messages published on one connection and handled on another,
 *   batches of 1,000 (publish them, then wait for the server's ack: `await`
 *   on the last publish for the bus, `flush()` for the raw client), JSON
 *   payloads encoded and decoded on both sides;
 * - request/reply latency: sequential requests, one responder on another
 *   connection, p50 and p99.
 *
 *   npx tsx bench/nats.bench.ts                    # starts its own nats-server
 *   NATS_URL=nats://127.0.0.1:4222 npx tsx bench/nats.bench.ts
 *
 * Five designs:
 * - "raw client": bare JSON payloads, no metadata (the client's ceiling, and
 *   the baseline of the target);
 * - "raw + metadata headers": the raw client carrying an id and a timestamp
 *   in NATS headers with its own API (`headers()` / `set()` to send,
 *   `msg.headers.get()` to read), for context;
 * - "raw + constant headers": one header block encoded once and never read,
 *   i.e. what carrying headers costs the protocol by itself, for context;
 * - NatsBus: `publish` / `subscribe` with the default wire format (id,
 *   timestamp and payload in one envelope; local queue; JSON codec with its
 *   checks);
 * - NatsBus, wire: "headers": the same with the metadata in NATS headers.
 *
 * Rounds are interleaved so every design sees the same machine load; the
 * table gives the median and the best of the rounds. Prints a Markdown table;
 * exits with status 1 when the bus's median throughput is below 80% of the
 * bare raw client's: the target is a layer that costs under 20%. About 10 s.
 */
import { MsgHdrsImpl, connect, headers } from "@nats-io/transport-node";
import os from "node:os";
import { performance } from "node:perf_hooks";
import { createNatsBus, type NatsBus, type NatsWireFormat } from "@acme/agent-orchestrator/nats";
import { startNatsServer } from "../test/helpers/nats/natsServer.js";
import type { NatsServerProcess } from "../test/helpers/nats/natsServer.js";

const BATCH = 1_000;
const MESSAGES = Number(process.env["BENCH_MESSAGES"] ?? 20_000);
const ROUNDS = Number(process.env["BENCH_ROUNDS"] ?? 11);
const REQUESTS = Number(process.env["BENCH_REQUESTS"] ?? 2_000);
const TARGET_SHARE = 0.8;
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

let server: NatsServerProcess | undefined;
const url = process.env["NATS_URL"] ?? (server = await startNatsServer()).url;
const prefix = `bench_${process.pid}`;

/** How the raw client carries message metadata. */
type HeaderMode = "none" | "client" | "constant";

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
};

async function rawDesign(mode: HeaderMode): Promise<Design> {
  const name = NAMES[mode];
  const subject = `${prefix}.${mode}.prices`;
  const service = `${prefix}.${mode}.quote`;
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
      JSON.parse(decoder.decode(msg.data));
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
  const constant = new ConstantHeaders();
  const publish = (): void => {
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

async function busDesign(wire: NatsWireFormat): Promise<Design> {
  const options = { prefix: `${prefix}.bus_${wire}`, wire };
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

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

const designs = [await rawDesign("none"), await rawDesign("client"), await rawDesign("constant"), await busDesign("envelope"), await busDesign("headers")];
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

  const rawRates = rates.get(NAMES.none) ?? [];
  const rawMedian = median(rawRates);
  const rawBest = Math.max(...rawRates);
  const sameMedian = median(rates.get(NAMES.client) ?? []);
  const percent = (value: number): string => `${(value * 100).toFixed(0)}%`;
  console.log(`NATS bus vs raw client, ${os.cpus().length} cores, Node ${process.version}, nats-server at ${url}; ${MESSAGES.toLocaleString("en-US")} messages × ${ROUNDS} rounds, ${REQUESTS.toLocaleString("en-US")} requests\n`);
  console.log("| design | messages/s (median) | vs raw client (median) | messages/s (best) | vs raw client (best) | vs raw + metadata headers (median) | request p50 (µs) | request p99 (µs) |");
  console.log("|---|---:|---:|---:|---:|---:|---:|---:|");
  for (const design of designs) {
    const list = rates.get(design.name) ?? [];
    const rate = median(list);
    const best = Math.max(...list);
    const sorted = [...(latencies.get(design.name) ?? [])].sort((a, b) => a - b);
    const cells = [
      design.name,
      Math.round(rate).toLocaleString("en-US"),
      percent(rate / rawMedian),
      Math.round(best).toLocaleString("en-US"),
      percent(best / rawBest),
      percent(rate / sameMedian),
      percentile(sorted, 50).toFixed(0),
      percentile(sorted, 99).toFixed(0),
    ];
    console.log(`| ${cells.join(" | ")} |`);
  }
  // the target: the bus costs under 20% of the bare raw client's throughput
  const share = median(rates.get(BUS) ?? []) / rawMedian;
  console.log(`\nNatsBus (default wire format): ${percent(share)} of the raw client's throughput (median of rounds); target ≥ ${percent(TARGET_SHARE)}`);
  if (share < TARGET_SHARE) {
    console.error(`NatsBus throughput is ${percent(share)} of the raw client's: below the ${percent(TARGET_SHARE)} target`);
    process.exitCode = 1;
  }
} finally {
  for (const design of designs) await design.close();
  await server?.dispose();
}
