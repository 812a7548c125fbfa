import { afterAll, beforeAll, describe, test } from "vitest";
import type { Bus } from "../../src/bus/Bus.js";
import { MAX_TOPIC_LENGTH } from "../../src/bus/topic.js";
import type { Clock } from "../../src/clock.js";
import { createNatsBus } from "../../src/nats/createNatsBus.js";
import type { BusContractOptions } from "../../src/testing/busContract.js";
import { busContract } from "../../src/testing/busContract.js";
import { uniqueToken, useNatsServer } from "../helpers/nats/natsServer.js";

let url = "";
let release: () => Promise<void> = async () => undefined;
beforeAll(async () => {
  ({ url, release } = await useNatsServer());
});
afterAll(() => release());

/**
 * Every case's subject prefix has this many characters, so the suite knows the
 * longest topic the bus accepts: the prefix and its dot count against
 * MAX_TOPIC_LENGTH (decision 29).
 */
const PREFIX_LENGTH = 40;

// Each case gets its own bus on its own subject prefix, so cases (and other
// runs sharing the server) never see each other's messages.
function makeBus(clock?: Clock): Promise<Bus> {
  const token = uniqueToken("contract");
  if (token.length > PREFIX_LENGTH) throw new Error(`the contract prefix ${JSON.stringify(token)} is longer than PREFIX_LENGTH (${PREFIX_LENGTH})`);
  const prefix = token.padEnd(PREFIX_LENGTH, "0");
  return createNatsBus({ servers: url }, { prefix, ...(clock === undefined ? {} : { clock }) });
}

const options: BusContractOptions = {
  maxTopicLength: MAX_TOPIC_LENGTH - PREFIX_LENGTH - 1,
};

describe("createNatsBus() passes the Bus contract against a real nats-server", () => {
  busContract(({ clock }) => makeBus(clock), test, options);
});

describe("createNatsBus() on the system clock passes the Bus contract", () => {
  busContract(() => makeBus(), test, options);
});
