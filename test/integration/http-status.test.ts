// orch.statusHandler mounted the way docs/operations.md shows, in Express,
// Fastify, Koa and node:http: the page, its JSON and an action from the page's
// own origin, each through the framework.
import { createServer, type Server } from "node:http";
import express from "express";
import Fastify from "fastify";
import Koa from "koa";
import { afterEach, describe, expect, test } from "vitest";
import { Agent, createOrchestrator, type Orchestrator } from "../../src/index.js";

class Risk extends Agent {}

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0)) await step();
});

async function started(): Promise<Orchestrator> {
  const orch = createOrchestrator({ agents: [{ name: "risk", agent: Risk }], logger: false, keepAlive: false, status: { authorize: () => "alice" } });
  await orch.start();
  cleanup.push(() => orch.shutdown());
  return orch;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanup.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return `http://127.0.0.1:${address.port}`;
}

/** The page, its JSON and a restart, through `base` + `/ops/statusz`. */
async function exercise(base: string, orch: Orchestrator): Promise<void> {
  const url = `${base}/ops/statusz`;
  const page = await fetch(url, { headers: { accept: "text/html" } });
  expect(page.status).toBe(200);
  expect(page.headers.get("content-security-policy")).toContain("default-src 'none'");
  expect(await page.text()).toContain("<title>Orchestrator status</title>");
  const document = (await (await fetch(`${url}?format=json`)).json()) as { agents: Array<{ name: string }> };
  expect(document.agents.map((agent) => agent.name)).toEqual(["risk"]);
  const acted = await fetch(`${url}?action=restart&agent=risk`, { method: "POST", headers: { origin: base } });
  expect(await acted.json()).toEqual({ ok: true, action: "restart", agent: "risk", by: "alice", outcome: "done" });
  const deadline = Date.now() + 5_000;
  while (orch.agent("risk")?.restarts !== 1 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(orch.agent("risk")?.restarts).toBe(1);
}

describe("orch.statusHandler mounted in a framework", () => {
  test("Express: app.use(path, orch.statusHandler)", async () => {
    const orch = await started();
    const app = express();
    app.use("/ops/statusz", orch.statusHandler);
    await exercise(await listen(createServer(app)), orch);
  });

  test("Fastify: a route that hijacks the reply and hands over the raw request and response", async () => {
    const orch = await started();
    const app = Fastify();
    app.all("/ops/statusz", (request, reply) => {
      reply.hijack();
      orch.statusHandler(request.raw, reply.raw);
    });
    const base = await app.listen({ port: 0, host: "127.0.0.1" });
    cleanup.push(() => app.close());
    await exercise(base, orch);
  });

  test("Koa: middleware that lets the handler answer (ctx.respond = false)", async () => {
    const orch = await started();
    const app = new Koa();
    app.use(async (ctx, next) => {
      if (ctx.path !== "/ops/statusz") {
        await next();
        return;
      }
      ctx.respond = false;
      orch.statusHandler(ctx.req, ctx.res);
    });
    const callback = app.callback();
    await exercise(await listen(createServer((req, res) => void callback(req, res))), orch);
  });

  test("node:http: the handler as the request listener of its path", async () => {
    const orch = await started();
    const server = createServer((req, res) => {
      if (req.url?.startsWith("/ops/statusz") === true) orch.statusHandler(req, res);
      else res.writeHead(404).end();
    });
    await exercise(await listen(server), orch);
  });
});
