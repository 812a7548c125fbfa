// The status page in a real browser: Debian's chromium driven by playwright-core
// (no browser download). A real orchestrator (system clock) serves the page on
// its built-in health listener; the test watches an agent crash and come back
// without a reload, presses restart behind the host's hook, and sees actions
// refused when the hook is absent or says no.
//
// Locally the test needs chromium (Debian/Ubuntu: apt-get install chromium; or
// CHROMIUM_PATH=/path/to/chrome); in CI (`CI` set) its absence fails the suite.
import { existsSync } from "node:fs";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Agent, createOrchestrator, type Listening, type Logger, type Orchestrator, type StatusOptions } from "../../src/index.js";
import { systemClock } from "../../src/clock.js";
import { MemoryLeases } from "../../src/lease/MemoryLeases.js";

const executablePath = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium";
const available = existsSync(executablePath);

class Risk extends Agent {}

interface Served {
  readonly orch: Orchestrator;
  readonly listening: Listening;
  readonly url: string;
  readonly lines: string[];
  /** Crash this orchestrator's `feed` through its latest incarnation. */
  crashFeed(error: Error): void;
}

async function serve(status: StatusOptions | undefined): Promise<Served> {
  const lines: string[] = [];
  const note = (_fields: object, message?: string): void => void lines.push(message ?? "");
  const logger: Logger = { debug: note, info: note, warn: note, error: note };
  const incarnations: Agent[] = [];
  class Feed extends Agent {
    override start(): void {
      incarnations.push(this);
    }
  }
  const orch = createOrchestrator({
    agents: [
      { name: "feed", agent: Feed, group: "data" },
      { name: "risk", agent: Risk, group: "critical" },
    ],
    // a back-off long enough for the page (polling every second) to show it
    config: { supervisor: { backoff: { initial: "1500ms", jitter: 0 } } },
    logger,
    keepAlive: false,
    ...(status === undefined ? {} : { status }),
  });
  const listening = await orch.listen({ healthPort: 0, metricsPort: 0, host: "127.0.0.1" });
  await orch.start();
  return { orch, listening, url: `http://127.0.0.1:${listening.healthPort}/statusz`, lines, crashFeed: (error) => incarnations.at(-1)?.fail(error) };
}

/** The text of an agent's cell on the page (`state`, `restarts`, …). */
function cell(page: Page, agent: string, field: string): Promise<string> {
  return page.locator(`#agents tr[data-key="${agent}"] td[data-f="${field}"]`).innerText();
}

async function waitForCell(page: Page, agent: string, field: string, text: string): Promise<void> {
  await page.waitForFunction(
    ([a, f, t]) => document.querySelector(`#agents tr[data-key="${a}"] td[data-f="${f}"]`)?.textContent === t,
    [agent, field, text] as const,
    { timeout: 8_000, polling: 50 },
  );
}

if (!available && process.env["CI"] === undefined) {
  describe("the status page in a browser", () => {
    test("chromium is not installed here: the status page is NOT checked in a browser", () => {
      console.warn(
        `\n!!! chromium not found at ${executablePath}: the status page's browser test did not run.\n` +
          "!!! Install it (Debian/Ubuntu: apt-get install chromium) or set CHROMIUM_PATH; CI fails without it.\n",
      );
      expect(available).toBe(false);
    });
  });
} else {
  describe("the status page in a browser", () => {
    let browser: Browser | undefined;
    let allow: string | false = "alice";
    let acting: Served | undefined;
    let readOnly: Served | undefined;

    beforeAll(async () => {
      expect(available, `chromium is required under CI (looked at ${executablePath}; set CHROMIUM_PATH)`).toBe(true);
      browser = await chromium.launch({ executablePath, args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
      acting = await serve({ authorize: () => allow });
      readOnly = await serve({});
    }, 20_000);

    afterAll(async () => {
      await browser?.close();
      await acting?.orch.shutdown();
      await readOnly?.orch.shutdown();
    });

    test("an agent that crashes shows back-off, then running again, without a reload", async () => {
      const page = await browser!.newPage();
      // a Content-Security-Policy violation (an inline style or script without the nonce) shows as a console error
      const problems: string[] = [];
      page.on("console", (message) => void (message.type() === "error" && problems.push(message.text())));
      page.on("pageerror", (error) => void problems.push(error.message));
      try {
        await page.goto(acting!.url);
        await waitForCell(page, "feed", "state", "running");
        await page.evaluate(() => Object.assign(window, { sameDocument: true }));
        acting!.crashFeed(new Error("feed lost: secret-token"));
        await waitForCell(page, "feed", "state", "backoff");
        expect(await cell(page, "feed", "backoff")).toMatch(/^restart in \d s/);
        expect(await cell(page, "feed", "crash")).toMatch(/^fail · \d+ s ago/);
        await waitForCell(page, "feed", "state", "running");
        expect(await cell(page, "feed", "crashes")).toBe("1");
        expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);
        expect(await page.content()).not.toContain("secret-token");
        expect(problems).toEqual([]);
      } finally {
        await page.close();
      }
    });

    test("restart behind the host's hook: the restart count moves and the log line names who acted; the hook's false is shown as refused", async () => {
      const page = await browser!.newPage();
      try {
        await page.goto(acting!.url);
        await waitForCell(page, "risk", "restarts", "0");
        await page.click('#agents button[data-action="restart"][data-agent="risk"]');
        await page.waitForFunction(() => document.getElementById("outcome")?.textContent === "restart risk: done (by alice)", undefined, { timeout: 5_000 });
        await waitForCell(page, "risk", "restarts", "1");
        expect(acting!.lines).toContain('operator: restart "risk" by alice');
        allow = false;
        await page.click('#agents button[data-action="restart"][data-agent="risk"]');
        await page.waitForFunction(() => document.getElementById("outcome")?.textContent?.includes("refused by the host's authorize hook") === true, undefined, { timeout: 5_000 });
        expect(acting!.orch.agent("risk")?.restarts).toBe(1);
      } finally {
        allow = "alice";
        await page.close();
      }
    });

    test("without the hook the page says it is read-only, shows no buttons, and a POST from it is refused", async () => {
      const page = await browser!.newPage();
      try {
        await page.goto(readOnly!.url);
        await waitForCell(page, "risk", "state", "running");
        expect(await page.locator("#mode").innerText()).toContain("Read-only");
        expect(await page.locator("button").count()).toBe(0);
        const refused = await page.evaluate(async () => {
          const response = await fetch(`${location.pathname}?action=restart&agent=risk`, { method: "POST" });
          return { status: response.status, body: (await response.json()) as { code: string } };
        });
        expect(refused).toEqual({ status: 403, body: expect.objectContaining({ code: "ACTIONS_OFF" }) as unknown });
        expect(readOnly!.orch.agent("risk")?.restarts).toBe(0);
      } finally {
        await page.close();
      }
    });

    test("a singleton shows where it runs, its token and the lease's time left; on a graceful move the standby's page shows it held here", async () => {
      const leases = new MemoryLeases({ clock: systemClock });
      class Feed extends Agent {}
      const replica = (name: string): Orchestrator =>
        createOrchestrator({
          agents: [{ name: "feed", agent: Feed, placement: "singleton" }],
          config: { lease: { ttl: "2s" } },
          logger: false,
          keepAlive: false,
          coordinator: leases.coordinator(name),
          status: {},
        });
      const a = replica("replica-a");
      const b = replica("replica-b");
      const page = await browser!.newPage();
      try {
        await a.start();
        const listening = await b.listen({ healthPort: 0, metricsPort: 0, host: "127.0.0.1" });
        await b.start();
        await page.goto(`http://127.0.0.1:${listening.healthPort}/statusz`);
        const stateCell = (): Promise<string> => cell(page, "feed", "state");
        await page.waitForFunction(() => /^standbyon replica-a · token \d+ · \d s left$/.test(document.querySelector('#agents tr[data-key="feed"] td[data-f="state"]')?.textContent ?? ""), undefined, { timeout: 8_000, polling: 50 });
        const token = a.agent("feed")?.lease?.token;
        expect(await stateCell()).toContain(`token ${token}`);
        await a.shutdown();
        await page.waitForFunction(() => /^runninglease held here · token \d+ · \d s left$/.test(document.querySelector('#agents tr[data-key="feed"] td[data-f="state"]')?.textContent ?? ""), undefined, { timeout: 8_000, polling: 50 });
        expect(await stateCell()).toContain(`token ${b.agent("feed")?.lease?.token}`);
      } finally {
        await page.close();
        await a.shutdown();
        await b.shutdown();
      }
    });
  });
}
