import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { describe, it } from "vitest";

/** Each framework example, run as a user would (`npx tsx`), answering on a free port and stopping by itself. */
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const TSX = fileURLToPath(new URL("../../node_modules/tsx/dist/cli.mjs", import.meta.url));

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

async function runExample(file: string): Promise<{ health: number; healthBody: string; live: number; metrics: string; exitCode: number | null }> {
  const port = await freePort();
  const child = spawn(process.execPath, [TSX, file], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), EXAMPLE_DURATION_MS: "3000" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  try {
    await new Promise<void>((resolve, reject) => {
      const onData = () => {
        if (output.includes("listening on")) resolve();
      };
      child.stdout.on("data", onData);
      void exited.then(() => reject(new Error(`${file} exited before listening:\n${output}`)));
    });
    const base = `http://127.0.0.1:${port}`;
    const health = await fetch(`${base}/healthz`);
    const healthBody = await health.text();
    const live = await fetch(`${base}/livez`);
    await live.text();
    const metrics = await (await fetch(`${base}/metrics`)).text();
    return { health: health.status, healthBody, live: live.status, metrics, exitCode: await exited };
  } finally {
    if (child.exitCode === null) child.kill("SIGTERM");
  }
}

// Concurrently: each example mostly waits for its EXAMPLE_DURATION_MS.
describe.concurrent("examples/http", () => {
  it.for(["node-http.ts", "express.ts", "fastify.ts", "koa.ts", "hono.ts"])(
    "%s serves /healthz, /livez and /metrics and stops by itself",
    { timeout: 30_000 },
    async (name, { expect }) => {
      const result = await runExample(`examples/http/${name}`);
      expect(result.health).toBe(200);
      expect(result.healthBody).toBe("ok\n");
      expect(result.live).toBe(200);
      expect(result.metrics).toContain('agent_state{agent="ticker"} 1');
      expect(result.exitCode).toBe(0);
    },
  );
});
