import { afterAll, beforeAll, describe, test } from "vitest";
import type { Bus } from "../../src/bus/Bus.js";
import type { Clock } from "../../src/clock.js";
import { createNatsBus } from "../../src/nats/createNatsBus.js";
import { busContract } from "../../src/testing/busContract.js";
import { uniqueToken, useNatsServer } from "./helpers/natsServer.js";

let url = "";
let release: () => Promise<void> = async () => undefined;
beforeAll(async () => {
  ({ url, release } = await useNatsServer());
});
afterAll(() => release());

// Each case gets its own bus on its own subject prefix, so cases (and other
// runs sharing the server) never see each other's messages.
function makeBus(clock?: Clock): Promise<Bus> {
  return createNatsBus({ servers: url }, { prefix: uniqueToken("contract"), ...(clock === undefined ? {} : { clock }) });
}

describe("createNatsBus() passes the Bus contract against a real nats-server", () => {
  busContract(({ clock }) => makeBus(clock), test);
});

describe("createNatsBus() on the system clock passes the Bus contract", () => {
  busContract(() => makeBus(), test);
});
