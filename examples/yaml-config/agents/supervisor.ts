// Loaded by module from desk.yaml (the named export SupervisorAgent); the chief.
import { Agent, type Escalation } from "../../../src/index.js";

export class SupervisorAgent extends Agent {
  seen = 0;
  override start(): void {
    this.bus.subscribe("quotes.*", () => {
      this.seen++;
    });
  }
  override onEscalation(event: Escalation): void {
    this.log.warn({ agent: event.agent, reason: event.reason }, "escalation");
  }
}
