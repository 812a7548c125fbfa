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
 * Four designs:
 * - "raw client": bare JSON payloads, no metadata (the client's ceiling);
 * - "raw + metadata headers": the raw client doing what the bus does for each
 *   message, with its own API: a unique id and a timestamp in NATS headers
 *   (`headers()` / `set()` to send, `msg.headers.get()` to read);
 * - "raw + constant headers": one header block encoded once and never read,
 *   i.e. what carrying headers costs the protocol by itself;
 * - NatsBus: `publish` / `subscribe` (ids, timestamps, local queue, JSON codec
 *   with its checks).
 *
 * Rounds are interleaved so every design sees the same machine load; each
 * cell is the median of the rounds. Prints a Markdown table; exits with status
 * 1 when the bus's throughput is below 80% of the raw client carrying the same
 * messages (payload, id, timestamp): the target is a layer that costs under
 * 20%. About 20 s.
 */
import { MsgHdrsImpl, connect, headers } from "@nats-io/transport-node";
import os from "node:os";
import { performance } from "node:perf_hooks";
import { createNatsBus } from "../src/nats/createNatsBus.js";
import type { NatsBus } from "../src/nats/NatsBus.js";
import { startNatsServer } from "../test/nats/helpers/natsServer.js";
import type { NatsServerProcess } from "../test/nats/helpers/natsServer.js";

const BATCH = 1_000;
const MESSAGES = Number(process.env["BENCH_MESSAGES"] ?? 20_000);
const ROUNDS = Number(process.env["BENCH_ROUNDS"] ?? 7);
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

async function busDesign(): Promise<Design> {
  const options = { prefix: `${prefix}.bus` };
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
    name: "NatsBus",
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

const designs = [await rawDesign("none"), await rawDesign("client"), await rawDesign("constant"), await busDesign()];
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

  const rawRate = median(rates.get(NAMES.none) ?? []);
  const sameRate = median(rates.get(NAMES.client) ?? []);
  console.log(`NATS bus vs raw client, ${os.cpus().length} cores, Node ${process.version}, nats-server at ${url}; ${MESSAGES.toLocaleString("en-US")} messages × ${ROUNDS} rounds, ${REQUESTS.toLocaleString("en-US")} requests\n`);
  console.log("| design | messages/s (median) | vs raw client | vs raw + metadata headers | request p50 (µs) | request p99 (µs) |");
  console.log("|---|---:|---:|---:|---:|---:|");
  for (const design of designs) {
    const rate = median(rates.get(design.name) ?? []);
    const sorted = [...(latencies.get(design.name) ?? [])].sort((a, b) => a - b);
    const cells = [
      design.name,
      Math.round(rate).toLocaleString("en-US"),
      `${((rate / rawRate) * 100).toFixed(0)}%`,
      `${((rate / sameRate) * 100).toFixed(0)}%`,
      percentile(sorted, 50).toFixed(0),
      percentile(sorted, 99).toFixed(0),
    ];
    console.log(`| ${cells.join(" | ")} |`);
  }
  // the target: the bus costs under 20% of what the raw client needs for the same messages (payload, id, timestamp)
  const share = median(rates.get("NatsBus") ?? []) / sameRate;
  if (share < TARGET_SHARE) {
    console.error(`\nNatsBus throughput is ${(share * 100).toFixed(0)}% of the raw client's carrying the same metadata: below the ${TARGET_SHARE * 100}% target`);
    process.exitCode = 1;
  }
} finally {
  for (const design of designs) await design.close();
  await server?.dispose();
}
