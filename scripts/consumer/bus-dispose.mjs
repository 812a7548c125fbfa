// a bus from the tarball closes on Symbol.asyncDispose, a subscription ends on Symbol.dispose, and request rejects with REQUEST_ABORTED for an aborted or aborting signal
import { createBus } from "@acme/agent-orchestrator";
import { FakeBus } from "@acme/agent-orchestrator/testing";

function expect(condition, what) {
  if (!condition) throw new Error(what);
}

// disposal: the methods exist under the runtime's own symbols and do what close() / unsubscribe() do
const bus = createBus();
const got = [];
const sub = bus.subscribe("prices.>", (message) => void got.push(message.payload));
await bus.publish("prices.AAPL", 1);
await bus.flush();
sub[Symbol.dispose]();
expect(sub.active === false, "a disposed subscription should be inactive");
await bus.publish("prices.AAPL", 2);
await bus.flush();
expect(JSON.stringify(got) === "[1]", `a disposed subscription should receive nothing more, got ${JSON.stringify(got)}`);

// request with a signal: aborting rejects at once, an aborted signal sends nothing, a bad one is refused
let release;
let calls = 0;
bus.subscribe("quotes.slow", () => {
  calls++;
  return new Promise((resolve) => (release = () => resolve("late")));
});
const controller = new AbortController();
const pending = bus.request("quotes.slow", 1, { timeoutMs: 60_000, signal: controller.signal });
const reason = new Error("the client went away");
await Promise.resolve();
controller.abort(reason);
const aborted = await pending.then(() => undefined, (error) => error);
expect(aborted?.code === "REQUEST_ABORTED" && aborted.name === "BusError" && aborted.cause === reason, `expected BusError REQUEST_ABORTED with the reason as cause, got ${aborted}`);
release?.();
const stopped = new AbortController();
stopped.abort("stop");
const already = await bus.request("quotes.slow", 2, { signal: stopped.signal }).then(() => undefined, (error) => error);
expect(already?.code === "REQUEST_ABORTED" && already.cause === "stop", `expected REQUEST_ABORTED for a signal aborted already, got ${already}`);
const refused = await bus.request("quotes.slow", 3, { signal: "soon" }).then(() => undefined, (error) => error);
expect(refused?.code === "INVALID_OPTION" && /`signal`/.test(refused.message), `expected INVALID_OPTION naming signal, got ${refused}`);
await bus.flush();
expect(calls === 1, `only the first request should have reached the handler, got ${calls} calls`);

const closing = bus[Symbol.asyncDispose]();
expect(closing === bus.close(), "[Symbol.asyncDispose]() and close() should return the same promise");
await closing;
const closed = await bus.publish("prices.AAPL", 3).then(() => undefined, (error) => error);
expect(closed?.code === "BUS_CLOSED", `a disposed bus should refuse publish with BUS_CLOSED, got ${closed}`);

const fake = new FakeBus();
await fake[Symbol.asyncDispose]();
const fakeClosed = await fake.publish("a", 1).then(() => undefined, (error) => error);
expect(fakeClosed?.code === "BUS_CLOSED", `a disposed FakeBus should refuse publish with BUS_CLOSED, got ${fakeClosed}`);
console.log("bus disposal and request signal ok");
