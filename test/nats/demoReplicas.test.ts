// Runs `npm run demo -- --replicas 3 --duration 14s --kill-every 5s` against
// the suite's server, as a user would, and checks what they would read: the
// market-data feed held by one replica and its prices from that one alone,
// its holder killed, the feed moved to another replica within the lease TTL
// and a second (with a larger fencing token, and the prices following it),
// never two holders at once, every replica stopped cleanly, exit 0.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, test } from "vitest";
import { useNatsServer } from "../helpers/nats/natsServer.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
/** `lease: { ttl }` of examples/trading-desk/replicas.yaml, in seconds. */
const TTL = 3;

let url = "";
let release: () => Promise<void> = async () => undefined;
beforeAll(async () => {
  ({ url, release } = await useNatsServer());
});
afterAll(() => release());

test("the demo runs three replicas, kills the feed's holder and the feed moves to another replica within the lease TTL", async () => {
  const child = spawn(process.execPath, ["--import", "tsx", "examples/trading-desk/main.ts", "--replicas", "3", "--duration", "14s", "--kill-every", "5s"], {
    cwd: root,
    env: { ...process.env, NATS_URL: url },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (err += chunk));
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 35_000);
    child.on("exit", (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  const context = `\n--- stdout ---\n${out}\n--- stderr ---\n${err}`;
  expect(err, context).toBe("");
  expect(code, context).toBe(0);
  expect(out.match(/ replica-\d up \(pid \d+\)/g)?.length, context).toBeGreaterThanOrEqual(3);

  // at first the feed runs on exactly one replica, and the prices come from it alone
  const killedAt = out.indexOf("killed replica-");
  expect(killedAt, context).toBeGreaterThan(0);
  const before = out.slice(0, killedAt);
  const holds = [...before.matchAll(/ (replica-\d) holds market_data \(token (\d+)\)/g)];
  expect(holds, context).toHaveLength(1);
  const [, first, firstToken] = holds[0] as RegExpMatchArray;
  expect(before, context).toContain(`prices flowing from ${first} (token ${firstToken})`);

  // its holder is killed
  const killed = / killed (replica-\d) \(holder of market_data, token (\d+)/.exec(out);
  expect(killed?.slice(1), context).toEqual([first, firstToken]);

  // the feed moves to another replica, with a larger token, within the TTL (and a second), and the prices follow
  const moved = / market_data moved to (replica-\d) \(token (\d+)\) after ([\d.]+) s/.exec(out);
  expect(moved, context).not.toBeNull();
  const [, to, toToken, after] = moved as RegExpExecArray;
  expect(to, context).not.toBe(first);
  expect(Number(toToken), context).toBeGreaterThan(Number(firstToken));
  expect(Number(after), context).toBeLessThanOrEqual(TTL + 1);
  expect(out.indexOf(`prices now from ${to} (token ${toToken})`), context).toBeGreaterThan(out.indexOf(moved?.[0] ?? ""));
  expect(out, context).toMatch(/ respawned replica-\d \(pid \d+\)/);

  // one holder at a time all along, and a clean stop of every replica
  expect(out, context).toMatch(/^prices: \d+ received from \d+ holders in turn \(tokens [\d, ]+\), never two at once$/m);
  expect(out, context).toMatch(/^market_data takeovers after a kill: \d+\.\d s/m);
  expect(out, context).toMatch(/^replicas stopped: replica-\d exit 0, replica-\d exit 0, replica-\d exit 0$/m);
}, 40_000);
