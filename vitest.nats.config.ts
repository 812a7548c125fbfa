// The NATS suite (test/nats/**): real nats-server processes, so it is kept out
// of the default run (`vitest.config.ts`) and run with
//   npx vitest run --config vitest.nats.config.ts
// It uses the server NATS_URL names (CI starts one), else starts its own when
// the nats-server binary is on the PATH. With neither it is skipped with a
// banner, except under CI (CI set), where a missing server fails the run.
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import { defineConfig } from "vitest/config";

function hasBinary(name: string): boolean {
  return (process.env["PATH"] ?? "").split(delimiter).some((dir) => {
    if (dir === "") return false;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

const hasUrl = (process.env["NATS_URL"] ?? "") !== "";
const hasServerBinary = hasBinary("nats-server");
const inCi = (process.env["CI"] ?? "") !== "" && process.env["CI"] !== "false";

if (inCi && !hasServerBinary) {
  throw new Error(
    `vitest.nats.config.ts: the nats-server binary is not on the PATH (apt-get install nats-server)${hasUrl ? "; test/nats/serverLifecycle.test.ts starts and restarts its own server" : " and NATS_URL is not set"}. CI is set, so this fails instead of skipping.`,
  );
}

const include: string[] = [];
const exclude = ["**/node_modules/**"];
if (hasServerBinary) {
  include.push("test/nats/**/*.test.ts");
} else if (hasUrl) {
  // a server to talk to, but none to restart
  include.push("test/nats/**/*.test.ts");
  exclude.push("test/nats/serverLifecycle.test.ts");
  console.warn(
    "\n" +
      "############################################################################\n" +
      "#  NATS: nats-server is not installed, so test/nats/serverLifecycle.test.ts #\n" +
      "#  (it starts and restarts its own servers) is NOT RUN.                     #\n" +
      "#  apt-get install nats-server                                              #\n" +
      "############################################################################\n",
  );
} else {
  console.warn(
    "\n" +
      "############################################################################\n" +
      "#  NATS SUITE SKIPPED: no NATS_URL and no nats-server binary on the PATH.  #\n" +
      "#  Install it (apt-get install nats-server) or set NATS_URL to a server    #\n" +
      "#  with JetStream (nats-server -js). Under CI this fails instead.          #\n" +
      "############################################################################\n",
  );
}

export default defineConfig({
  test: {
    include,
    exclude,
    passWithNoTests: include.length === 0,
    testTimeout: 30_000,
    hookTimeout: 20_000,
    pool: "forks",
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});
