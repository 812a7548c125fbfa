// The public surface, written down: every name each entry point exports, value or
// type. A change to the surface fails here until the list (and docs/api.md, which
// explains each name) changes with it, so the surface only ever changes on purpose.
import { readFileSync } from "node:fs";
import ts from "typescript";
import { describe, expect, test } from "vitest";

const PUBLIC: Record<string, { values: string[]; types: string[] }> = {
  "src/index.ts": {
    values: [
      "AgentError", "Agent", "BusError", "ConfigError", "ESCALATION_TOPIC", "LifecycleError", "MAX_TOPIC_LENGTH",
      "ObservabilityError", "OrchestratorError", "checkTopicLength", "createBus", "createOrchestrator", "exponentialBackoff",
      "fastifyProbes", "formatDuration", "koaProbes", "isOrchestratorError", "loadConfig", "toMilliseconds", "topicMatches", "validatePattern", "validateTopic",
      "FileTriggerStore", "MAX_RAN_RANGES", "MemoryTriggerStore", "RUN_OUTCOMES", "StoreError", "applyChange", "recordKey", "LEASE_TOKEN_HEADER",
    ],
    types: [
      "AgentBusView", "AgentClass", "AgentContext", "AgentEntryConfig", "AgentErrorCode", "AgentHealth", "AgentRegistration", "AgentState",
      "AgentStatus", "AtTriggerSpec", "CatchupRuns", "CatchupSpec", "CheckedAgentClass", "CheckedRegistration", "CheckedRegistrations", "ClassRegistration", "ConfigSchemaMismatch", "Isolation", "ModuleRegistration",
      "InferInput", "InferOutput", "RegisteredAgents", "StandardSchemaV1", "StandardSchemaV1FailureResult", "StandardSchemaV1Issue",
      "StandardSchemaV1PathSegment", "StandardSchemaV1Props", "StandardSchemaV1Result", "StandardSchemaV1SuccessResult",
      "StandardSchemaV1Types", "BackoffSettings", "BackoffStrategy", "Bus", "BusConnection", "BusConnectionStatus",
      "BusErrorCode", "BusOptions", "BusStats", "BusSubscription", "Clock", "ClosedInfo", "ConfigErrorCode", "ConfigErrorDetails",
      "BackfillInstant", "BackfillOptions", "BackfillResult", "CrashReason", "CrashRecord", "CronTick", "CronTriggerSpec", "DelayTriggerSpec", "DeliveryPolicy", "DisposableSubscription", "DropReason", "Duration", "Escalation",
      "EscalationReason", "EveryTriggerSpec", "FastifyProbeInstance", "FastifyProbeReply", "FastifyProbeRequest",
      "FastifyProbesPlugin", "GroupConfig", "GroupControl", "HandlerRequest", "HandlerResponse", "HealthReport", "HttpHandler",
      "InProcessBus", "KoaProbeContext", "KoaProbesMiddleware", "LifecycleErrorCode", "ListenOptions", "Listening", "Logger", "Message", "MetricsRegistry", "MessageHandler", "MisfirePolicy",
      "ObservabilityErrorCode", "Orchestrator", "OrchestratorConfig", "OrchestratorEventName", "OrchestratorEvents",
      "OrchestratorMetricsOptions", "OrchestratorOptions", "OrchestratorPhase", "OverflowPolicy", "OverlapPolicy", "PayloadOf",
      "ProbePath", "ProbeRouteOptions", "ProbeSource", "PublishOptions", "RequestOptions", "RestartPolicy", "RetryOptions", "ScheduleHandle", "ScheduleSpec", "ShutdownOptions", "SkipReason",
      "StartOptions", "SubscribeOptions", "Subscription", "SupervisorConfig", "TickMessage", "TopicMap", "TriggerControl", "TriggerCoordinator", "TriggerOptions",
      "TriggerSpec", "TriggerView", "Placement", "LeaseGrant", "LeaseStore", "LeaseView",
      "FileTriggerStoreOptions", "FinishedRun", "RunOutcome", "RunningSlot", "StoreErrorCode", "StoreProblem", "StoreSnapshot", "TriggerChange",
      "TriggerRecord", "TriggerStore",
      "BusRateValues", "QueueDepth", "StatusAgentDocument", "StatusAuthorize", "StatusBusDocument", "StatusDocument", "StatusHandler", "StatusOptions", "StatusRequest", "StatusTriggerDocument",
    ],
  },
  "src/testing/index.ts": {
    values: ["BUS_CONTRACT_CASES", "FakeBus", "ManualClock", "ManualClockError", "MemoryLeases", "STORE_CONTRACT_CASES", "busContract", "storeContract", "testAgent"],
    types: [
      "AgentHarness", "BusContractCase", "BusContractContext", "BusContractOptions", "ConfigInputOf", "ConfigOf", "FakeBusOptions",
      "ManualClockErrorCode", "ManualClockOptions", "ManualClockTimerInfo", "TestAgentOptions", "TestLogEntry", "TopicsOf",
      "StoreContractCase", "StoreContractContext", "StoreContractOptions", "StorePersistence", "MemoryCoordinator",
    ],
  },
  "src/nats/index.ts": {
    values: ["NatsError", "createNatsBus", "createNatsCoordinator", "createNatsTriggerStore", "jsonCodec"],
    types: [
      "NatsBus", "NatsBusOptions", "NatsBusStats", "NatsBusSubscription", "NatsConnectionTarget", "NatsCoordinator",
      "NatsCoordinatorOptions", "NatsCoordinatorStats", "NatsErrorCode", "NatsServersTarget", "NatsTarget", "NatsWireFormat",
      "NatsTriggerStore", "NatsTriggerStoreOptions", "PayloadCodec", "SlotClaim", "NatsLeaseStore",
    ],
  },
};

const ENTRIES = Object.keys(PUBLIC);

/** Each entry's exports as the TypeScript compiler sees them: runtime values and type-only names apart. */
function surface(): Record<string, { values: string[]; types: string[] }> {
  const program = ts.createProgram(ENTRIES, {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
  });
  const checker = program.getTypeChecker();
  const result: Record<string, { values: string[]; types: string[] }> = {};
  for (const entry of ENTRIES) {
    const file = program.getSourceFile(entry);
    const module = file === undefined ? undefined : checker.getSymbolAtLocation(file);
    if (module === undefined) throw new Error(`${entry} did not compile to a module`);
    const values: string[] = [];
    const types: string[] = [];
    for (const symbol of checker.getExportsOfModule(module)) {
      const declarations = symbol.declarations ?? [];
      // `export type { X }` is type-only even when X is a class: it exports no runtime value
      const typeOnly = declarations.some((d) => ts.isExportSpecifier(d) && (d.isTypeOnly || d.parent.parent.isTypeOnly));
      const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      (!typeOnly && (target.flags & ts.SymbolFlags.Value) !== 0 ? values : types).push(symbol.name);
    }
    result[entry] = { values: values.sort(), types: types.sort() };
  }
  return result;
}

describe("the public exports", () => {
  const actual = surface();

  test.each(ENTRIES)("%s exports exactly the listed values and types", (entry) => {
    expect(actual[entry]).toEqual({ values: [...(PUBLIC[entry]?.values ?? [])].sort(), types: [...(PUBLIC[entry]?.types ?? [])].sort() });
  });

  test("the runtime modules export exactly the listed values", async () => {
    const loaded = [await import("../src/index.js"), await import("../src/testing/index.js"), await import("../src/nats/index.js")];
    ENTRIES.forEach((entry, i) => {
      expect(Object.keys(loaded[i] ?? {}).sort()).toEqual([...(PUBLIC[entry]?.values ?? [])].sort());
    });
  });

  test("docs/api.md names every export of every entry point", () => {
    const doc = readFileSync(new URL("../docs/api.md", import.meta.url), "utf8");
    const missing = ENTRIES.flatMap((entry) => [...(PUBLIC[entry]?.values ?? []), ...(PUBLIC[entry]?.types ?? [])].filter((name) => !doc.includes(`\`${name}\``)));
    expect(missing).toEqual([]);
  });
});
