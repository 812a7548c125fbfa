// Screenshots of the status page for docs/operations.md, taken from the
// trading desk demo's agents and configuration in Debian's chromium:
//
//   npx tsx scripts/screenshot-status.ts        (CHROMIUM_PATH overrides /usr/bin/chromium)
//
// writes docs/images/status-page.png (operator actions on, a few seconds in, so
// the flaky feed has crashed and restarted) and docs/images/status-page-readonly.png
// (the same page without the authorize hook). Rerun it when the page changes.
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { Chief, Momentum, Risk } from "../examples/trading-desk/agents/desk.js";
import { createOrchestrator, loadConfig, type StatusOptions } from "../src/index.js";

const executablePath = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium";
const images = new URL("../docs/images/", import.meta.url);

async function shoot(status: StatusOptions, file: string, settle: number): Promise<void> {
  const config = await loadConfig(fileURLToPath(new URL("../examples/trading-desk/orchestrator.yaml", import.meta.url)));
  const orch = createOrchestrator({ agents: [Momentum, Risk, { name: "chief", agent: Chief, chief: true }], config, logger: false, keepAlive: false, status });
  const listening = await orch.listen({ healthPort: 0, metricsPort: 0, host: "127.0.0.1" });
  await orch.start();
  const browser = await chromium.launch({ executablePath, args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
  try {
    const page = await browser.newPage({ viewport: { width: 1360, height: 900 }, colorScheme: "light" });
    await page.goto(`http://127.0.0.1:${listening.healthPort}/statusz`);
    await new Promise((resolve) => setTimeout(resolve, settle));
    await page.screenshot({ path: fileURLToPath(new URL(file, images)), fullPage: true });
  } finally {
    await browser.close();
    await orch.shutdown();
  }
}

await shoot({ authorize: () => "alice" }, "status-page.png", 7_500);
await shoot({}, "status-page-readonly.png", 2_500);
console.log(`written: ${fileURLToPath(images)}status-page.png, status-page-readonly.png`);
