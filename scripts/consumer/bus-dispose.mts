// `await using` and `using` type-check on what createBus() and FakeBus give, and `signal` is a request option
import { createBus, type RequestOptions } from "@acme/agent-orchestrator";
import { FakeBus } from "@acme/agent-orchestrator/testing";

export async function scoped(signal: AbortSignal): Promise<unknown> {
  await using bus = createBus<{ "quotes.AAPL": { size: number } }>();
  await using fake = new FakeBus();
  using sub = bus.subscribe("quotes.AAPL", (message) => message.payload.size);
  using other = fake.subscribe("a", () => undefined);
  const options: RequestOptions = { timeoutMs: 1_000, signal };
  return [sub.active, other.active, await bus.request("quotes.AAPL", { size: 1 }, options)];
}
