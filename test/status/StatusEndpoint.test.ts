import { createServer, type Server } from "node:http";
import { afterEach, describe, expect, test } from "vitest";
import { LifecycleError } from "../../src/errors/LifecycleError.js";
import type { Logger } from "../../src/logger.js";
import { StatusEndpoint } from "../../src/status/StatusEndpoint.js";
import type { StatusOptions } from "../../src/status/StatusOptions.js";
import { FakeStatusSource, runningAgent } from "../helpers/status/FakeStatusSource.js";

const PAGE = "http://ops.example:8000/ops/statusz";

function logged(): { logger: Logger; lines: Array<{ level: string; message: string }> } {
  const lines: Array<{ level: string; message: string }> = [];
  const at = (level: string) => (_fields: object, message?: string) => void lines.push({ level, message: message ?? "" });
  return { logger: { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") }, lines };
}

function endpoint(options: StatusOptions = {}) {
  const source = new FakeStatusSource();
  source.agentList = [runningAgent("risk")];
  const log = logged();
  return { source, log, status: new StatusEndpoint(source, options, log.logger) };
}

function post(query: string, headers: Record<string, string> = { origin: "http://ops.example:8000" }): Request {
  return new Request(`${PAGE}?${query}`, { method: "POST", headers });
}

async function json(response: Response): Promise<Record<string, unknown>> {
  return (await response.json()) as Record<string, unknown>;
}

describe("the status page over fetch", () => {
  test("a browser (Accept: text/html) gets one self-contained page under a Content-Security-Policy whose nonce its style and script carry", async () => {
    const { status } = endpoint();
    const response = await status.fetch(new Request(PAGE, { headers: { accept: "text/html,application/xhtml+xml,*/*;q=0.8" } }));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const policy = response.headers.get("content-security-policy") ?? "";
    const nonce = /script-src 'nonce-([^']+)'/.exec(policy)?.[1];
    expect(nonce).toBeDefined();
    expect(policy).toContain("default-src 'none'");
    expect(policy).toContain("connect-src 'self'");
    const html = await response.text();
    expect(html).toContain(`<script nonce="${nonce}">`);
    expect(html).toContain(`<style nonce="${nonce}">`);
    // nothing from the network: no src= or href= to anywhere
    expect(html).not.toMatch(/\s(src|href)=/);
    expect(html).not.toContain("</script>\n<script");
  });

  test("each page gets a fresh nonce", async () => {
    const { status } = endpoint();
    const policy = async () => (await status.fetch(new Request(PAGE))).headers.get("content-security-policy");
    expect(await policy()).not.toBe(await policy());
  });

  test.each([
    ["Accept: application/json", new Request(PAGE, { headers: { accept: "application/json" } })],
    ["?format=json", new Request(`${PAGE}?format=json`, { headers: { accept: "text/html" } })],
  ])("%s gets the same data as JSON", async (_how, request) => {
    const { status } = endpoint();
    const response = await status.fetch(request);
    expect(response.headers.get("content-type")).toBe("application/json; charset=utf-8");
    const document = await json(response);
    expect(document).toMatchObject({ phase: "running", ready: true, actions: false, agents: [{ name: "risk", state: "running" }] });
  });

  test("HEAD answers like GET without a body", async () => {
    const { status } = endpoint();
    const response = await status.fetch(new Request(`${PAGE}?format=json`, { method: "HEAD" }));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("");
  });

  test("a method other than GET, HEAD and POST is refused with 405 and Allow", async () => {
    const { status } = endpoint();
    const response = await status.fetch(new Request(PAGE, { method: "PUT" }));
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("GET, HEAD, POST");
  });
});

describe("operator actions on the status page", () => {
  const allowAlice: StatusOptions = { authorize: () => "alice" };

  test("without the authorize hook every action is refused (403), saying that actions are off and how to turn them on", async () => {
    const { status, source } = endpoint();
    const response = await status.fetch(post("action=restart&agent=risk"));
    expect(response.status).toBe(403);
    const body = await json(response);
    expect(body).toMatchObject({ ok: false, code: "ACTIONS_OFF" });
    expect(body["error"]).toContain("createOrchestrator({ status: { authorize } })");
    expect(source.acted).toEqual([]);
  });

  test("with the hook allowing it, the action is carried out with who acted, and the reply says so", async () => {
    const { status, source } = endpoint(allowAlice);
    const response = await status.fetch(post("action=restart&agent=risk"));
    expect(response.status).toBe(200);
    expect(await json(response)).toEqual({ ok: true, action: "restart", agent: "risk", by: "alice", outcome: "done" });
    expect(source.acted).toEqual([{ action: { target: "agent", agent: "risk", action: "restart" }, actor: "alice" }]);
  });

  test("trigger actions name the agent and the trigger", async () => {
    const { status, source } = endpoint(allowAlice);
    const response = await status.fetch(post("action=pause&agent=reconcile&trigger=eod"));
    expect(await json(response)).toEqual({ ok: true, action: "pause", agent: "reconcile", trigger: "eod", by: "alice", outcome: "done" });
    expect(source.acted[0]?.action).toEqual({ target: "trigger", agent: "reconcile", trigger: "eod", action: "pause" });
  });

  test("the hook is given a Fetch Request of the POST, and may answer through a promise", async () => {
    let seen: Request | undefined;
    const { status } = endpoint({ authorize: async (request) => ((seen = request), request.headers.get("x-forwarded-user") ?? false) });
    const response = await status.fetch(post("action=enable&agent=risk", { origin: "http://ops.example:8000", "x-forwarded-user": "bob" }));
    expect(await json(response)).toMatchObject({ ok: true, by: "bob" });
    expect(seen?.method).toBe("POST");
    expect(seen?.url).toBe(`${PAGE}?action=enable&agent=risk`);
  });

  test("the hook answering false refuses (403) and nothing is done", async () => {
    const { status, source } = endpoint({ authorize: () => false });
    const response = await status.fetch(post("action=disable&agent=risk"));
    expect(response.status).toBe(403);
    expect(await json(response)).toMatchObject({ ok: false, code: "REFUSED" });
    expect(source.acted).toEqual([]);
  });

  test.each([
    ["a missing Origin", {}],
    ["another site's Origin", { origin: "https://evil.example" }],
    ["the same host on another port", { origin: "http://ops.example:9000" }],
    ["an opaque Origin", { origin: "null" }],
  ])("%s is refused (403) before the hook is asked", async (_what, headers: Record<string, string>) => {
    let asked = false;
    const { status, source } = endpoint({ authorize: () => ((asked = true), "alice") });
    const response = await status.fetch(post("action=restart&agent=risk", headers));
    expect(response.status).toBe(403);
    expect(await json(response)).toMatchObject({ ok: false, code: "ORIGIN_REFUSED" });
    expect(asked).toBe(false);
    expect(source.acted).toEqual([]);
  });

  test("behind a proxy the page's origin is X-Forwarded-Host", async () => {
    const { status } = endpoint(allowAlice);
    const response = await status.fetch(post("action=restart&agent=risk", { origin: "https://ops.example.com", "x-forwarded-host": "ops.example.com" }));
    expect(response.status).toBe(200);
  });

  test("behind a TLS proxy that writes the default port out (X-Forwarded-Host h:443), the page's own origin is still accepted, and another port is not", async () => {
    const { status } = endpoint(allowAlice);
    const accepted = await status.fetch(post("action=restart&agent=risk", { origin: "https://Ops.Example.com", "x-forwarded-host": "ops.example.com:443" }));
    expect(accepted.status).toBe(200);
    const other = await status.fetch(post("action=restart&agent=risk", { origin: "https://ops.example.com", "x-forwarded-host": "ops.example.com:8443" }));
    expect(other.status).toBe(403);
  });

  test("a hook that never answers refuses the action after 10 s (503 AUTHORIZE_TIMEOUT, logged), and its late answer does nothing", async () => {
    let answer: ((verdict: string | false) => void) | undefined;
    const { status, source, log } = endpoint({ authorize: () => new Promise<string | false>((resolve) => (answer = resolve)) });
    const reply = status.fetch(post("action=disable&agent=risk"));
    await source.clock.advance(9_999);
    let settled = false;
    void reply.then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);
    await source.clock.advance(1);
    const response = await reply;
    expect(response.status).toBe(503);
    expect(await json(response)).toMatchObject({ ok: false, code: "AUTHORIZE_TIMEOUT" });
    expect(log.lines.some((line) => line.level === "error" && line.message.includes("did not answer within 10 s"))).toBe(true);
    answer?.("alice");
    await source.clock.advance(0);
    expect(source.acted).toEqual([]);
  });

  test("a GET carrying an action is refused (405): actions are POST only", async () => {
    const { status, source } = endpoint(allowAlice);
    const response = await status.fetch(new Request(`${PAGE}?action=restart&agent=risk`, { headers: { origin: "http://ops.example:8000" } }));
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("POST");
    expect(source.acted).toEqual([]);
  });

  test("an unknown action or one without its agent or trigger is a 400 naming what is expected", async () => {
    const { status } = endpoint(allowAlice);
    const unknown = await json(await status.fetch(post("action=reboot&agent=risk")));
    expect(unknown).toMatchObject({ ok: false, code: "BAD_ACTION" });
    expect(unknown["error"]).toContain("restart, disable, enable, pause, resume, run-now");
    expect((await status.fetch(post("action=restart"))).status).toBe(400);
    expect((await status.fetch(post("action=pause&agent=reconcile"))).status).toBe(400);
  });

  test("an unknown agent is a 404; a LifecycleError of another kind a 409 with its code", async () => {
    const { status, source } = endpoint(allowAlice);
    source.failWith = new LifecycleError("UNKNOWN_AGENT", 'no agent named "nope"');
    const missing = await status.fetch(post("action=restart&agent=nope"));
    expect(missing.status).toBe(404);
    expect(await json(missing)).toMatchObject({ ok: false, code: "UNKNOWN_AGENT" });
    source.failWith = new LifecycleError("AGENT_DOWN", 'agent "risk" is not running');
    const down = await status.fetch(post("action=run-now&agent=risk&trigger=eod"));
    expect(down.status).toBe(409);
    expect(await json(down)).toMatchObject({ ok: false, code: "AGENT_DOWN" });
  });

  test.each([
    ["throws", () => { throw new Error("directory down"); }],
    ["rejects", () => Promise.reject(new Error("directory down"))],
    ["answers something other than a name or false", () => 42 as unknown as string],
  ])("a hook that %s is a 500, logged, and nothing is done", async (_what, authorize) => {
    const { status, source, log } = endpoint({ authorize });
    const response = await status.fetch(post("action=restart&agent=risk"));
    expect(response.status).toBe(500);
    expect(await json(response)).toMatchObject({ ok: false, code: "AUTHORIZE_FAILED" });
    expect(source.acted).toEqual([]);
    expect(log.lines.filter((line) => line.level === "error")).toHaveLength(1);
  });

  test("who acted is one safe log line: control characters are replaced", async () => {
    const { status } = endpoint({ authorize: () => "mallory\nfake line" });
    expect(await json(await status.fetch(post("action=restart&agent=risk")))).toMatchObject({ by: "mallory?fake line" });
  });
});

describe("the node-style handler", () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve()))));

  async function serve(options: StatusOptions): Promise<{ url: string; source: FakeStatusSource }> {
    const { status, source } = endpoint(options);
    server = createServer((req, res) => status.handler(req, res));
    await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    if (address === null || typeof address === "string") throw new Error("no port");
    return { url: `http://127.0.0.1:${address.port}/statusz`, source };
  }

  test("serves the page, the JSON and actions from the page's own origin on one mount", async () => {
    const { url, source } = await serve({ authorize: () => "alice" });
    const page = await fetch(url, { headers: { accept: "text/html" } });
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(await page.text()).toContain("<title>Orchestrator status</title>");
    const document = (await (await fetch(`${url}?format=json`)).json()) as Record<string, unknown>;
    expect(document).toMatchObject({ actions: true, agents: [{ name: "risk" }] });
    const origin = new URL(url).origin;
    const acted = await fetch(`${url}?action=restart&agent=risk`, { method: "POST", headers: { origin } });
    expect(await acted.json()).toEqual({ ok: true, action: "restart", agent: "risk", by: "alice", outcome: "done" });
    expect(source.acted).toHaveLength(1);
    const foreign = await fetch(`${url}?action=restart&agent=risk`, { method: "POST", headers: { origin: "http://evil.example" } });
    expect(foreign.status).toBe(403);
    expect(source.acted).toHaveLength(1);
  });
});
