import { afterAll, afterEach, beforeAll } from "vitest";
import { useNatsServer } from "./natsServer.js";

/** What a NATS test file shares: its server and the cleanups of the test that runs. */
export interface NatsSuite {
  /** The server's URL (set before the first test). */
  readonly url: string;
  /** Run after each test, last first (close what the test opened). */
  readonly cleanups: Array<() => Promise<unknown>>;
}

/**
 * Register the hooks of a NATS test file: a server for the file (`NATS_URL`,
 * or one started and stopped here) and, after each test, its cleanups.
 */
export function natsSuite(): NatsSuite {
  let url = "";
  let release: () => Promise<void> = async () => undefined;
  const cleanups: Array<() => Promise<unknown>> = [];
  beforeAll(async () => {
    ({ url, release } = await useNatsServer());
  });
  afterAll(() => release());
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  return {
    get url() {
      return url;
    },
    cleanups,
  };
}
