import { spawn, spawnSync } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../nats/natsServer.js";

/** Whether Debian's `prometheus` server binary is on the PATH. */
export const prometheusAvailable = spawnSync("prometheus", ["--version"], { encoding: "utf8" }).status === 0;

/** One sample of an instant query: its labels and its value as Prometheus gives it (a string, `"NaN"` included). */
export interface PromSample {
  readonly metric: Readonly<Record<string, string>>;
  readonly value: readonly [number, string];
}

/** The answer of `/api/v1/query`: `success` with a vector, or `error` with Prometheus's reason. */
export interface QueryAnswer {
  readonly status: "success" | "error";
  readonly error?: string;
  readonly data?: { readonly resultType: string; readonly result: readonly PromSample[] };
}

/** One rule of `/api/v1/rules`. */
export interface RuleState {
  readonly name: string;
  readonly query: string;
  readonly health: "ok" | "err" | "unknown";
  readonly lastError?: string;
}

/** A running Prometheus server, with its HTTP API. */
export interface PrometheusServer {
  readonly url: string;
  /** What it wrote to stderr so far (its log), for a failure message. */
  log(): string;
  query(expr: string): Promise<QueryAnswer>;
  rules(): Promise<RuleState[]>;
  stop(): Promise<void>;
}

/** Poll `check` every 200 ms until it returns a value other than undefined; throw `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * Start `prometheus` on a free loopback port with a temporary TSDB, scraping
 * `targets` every second (job `orchestrator`) and evaluating `ruleFiles` every
 * second; resolves once its API answers ready.
 */
export async function startPrometheus(targets: readonly string[], ruleFiles: readonly string[]): Promise<PrometheusServer> {
  const directory = mkdtempSync(join(tmpdir(), "prometheus-"));
  const port = await freePort();
  const config = [
    "global:",
    "  scrape_interval: 1s",
    "  evaluation_interval: 1s",
    "rule_files:",
    ...ruleFiles.map((file) => `  - ${JSON.stringify(file)}`),
    "scrape_configs:",
    "  - job_name: orchestrator",
    "    static_configs:",
    `      - targets: [${targets.map((target) => JSON.stringify(target)).join(", ")}]`,
    "",
  ].join("\n");
  writeFileSync(join(directory, "prometheus.yml"), config);
  const child: ChildProcess = spawn(
    "prometheus",
    [`--config.file=${join(directory, "prometheus.yml")}`, `--storage.tsdb.path=${join(directory, "data")}`, `--web.listen-address=127.0.0.1:${port}`, "--log.level=warn"],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let log = "";
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => (log += chunk));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
    rmSync(directory, { recursive: true, force: true });
  };
  try {
    await waitFor("prometheus to answer /-/ready", async () => {
      if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}:\n${log}`);
      const ready = await fetch(`${url}/-/ready`).then((response) => response.ok, () => false);
      return ready ? true : undefined;
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url,
    log: () => log,
    async query(expr) {
      const response = await fetch(`${url}/api/v1/query`, { method: "POST", body: new URLSearchParams({ query: expr }) });
      return (await response.json()) as QueryAnswer;
    },
    async rules() {
      const response = await fetch(`${url}/api/v1/rules`);
      const body = (await response.json()) as { data: { groups: Array<{ rules: RuleState[] }> } };
      return body.data.groups.flatMap((group) => group.rules);
    },
    stop,
  };
}
