import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Message } from "../../src/bus/Bus.js";
import { createNatsBus } from "../../src/nats/createNatsBus.js";
import type { NatsBus } from "../../src/nats/NatsBus.js";
import { uniqueToken, useNatsServer } from "../helpers/nats/natsServer.js";
import { spawnTsx, withTimeout } from "../helpers/nats/processes.js";

const ECHO = fileURLToPath(new URL("../fixtures/nats/echoProcess.ts", import.meta.url));

let url = "";
let release: () => Promise<void> = async () => undefined;
beforeAll(async () => {
  ({ url, release } = await useNatsServer());
});
afterAll(() => release());

describe("two processes on one nats-server", () => {
  it("exchange messages and request/reply through the server", async () => {
    const prefix = uniqueToken("xproc");
    const echo = spawnTsx(ECHO, { NATS_URL: url, BUS_PREFIX: prefix });
    const bus: NatsBus = await createNatsBus({ servers: url }, { prefix });
    try {
      const ready = await echo.waitFor((event) => event["event"] === "ready", 15_000, "the echo process to be ready");
      const pid = ready["pid"] as number;
      expect(pid).not.toBe(process.pid);

      // request/reply: the answer comes from the other process
      const reply = await bus.request("echo.double", 21, { timeoutMs: 5_000, source: "parent" });
      expect(reply).toEqual({ doubled: 42, pid, from: "parent" });

      // the only responder there settles without replying: NO_REPLY, long before the timeout
      await expect(bus.request("echo.silent", 1, { timeoutMs: 10_000 })).rejects.toMatchObject({ code: "NO_REPLY" });
      await expect(bus.request("echo.nobody", 1, { timeoutMs: 10_000 })).rejects.toMatchObject({ code: "NO_RESPONDERS" });

      // publish/subscribe both ways, in order, with metadata
      const back: Message[] = [];
      const all = new Promise<void>((resolve) => {
        bus.subscribe("chat.to-parent", (message) => {
          back.push(message);
          if (back.length === 20) resolve();
        });
      });
      await bus.flush();
      for (let seq = 0; seq < 20; seq++) {
        await bus.publish("chat.to-child", seq, { headers: { "trace-id": `t${seq}` } });
      }
      await withTimeout(all, 5_000, "the 20 echoes");
      expect(back.map((message) => (message.payload as { seq: number }).seq)).toEqual(Array.from({ length: 20 }, (_, i) => i));
      const ids: string[] = [];
      for (const message of back) {
        expect(message.source).toBe("child");
        expect(message.topic).toBe("chat.to-parent");
        const echoed = message.payload as { seq: number; id: string; headers: Record<string, string> };
        expect(echoed.headers).toEqual({ "trace-id": `t${echoed.seq}` });
        ids.push(echoed.id, message.id);
      }
      expect(new Set(ids).size).toBe(40);

      await bus.publish("control.stop", null);
      expect(await withTimeout(echo.exited, 5_000, "the echo process to exit")).toBe(0);
      expect(echo.events.map((event) => event["event"])).toEqual(["ready", "stopping"]);
    } finally {
      echo.child.kill("SIGKILL");
      await bus.close();
    }
  });
});
