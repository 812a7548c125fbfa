import type { EventLoopUtilization } from "node:perf_hooks";
import type { Worker } from "node:worker_threads";

/**
 * The live figures of one thread agent, read by the metrics at scrape time:
 * the event-loop utilisation of its thread since the previous read, and the
 * heap the thread last reported (with each answer to a ping). Outlives the
 * incarnations: each one attaches its worker while it runs.
 */
export class ThreadGauge {
  #worker: Worker | undefined = undefined;
  #previous: EventLoopUtilization | undefined = undefined;
  #heapUsed = 0;

  /** The incarnation's thread is up. */
  attach(worker: Worker): void {
    this.#worker = worker;
    this.#previous = undefined;
    this.#heapUsed = 0;
  }

  /** The incarnation's thread is gone (figures read 0 until the next one attaches). */
  detach(worker: Worker): void {
    if (this.#worker !== worker) return;
    this.#worker = undefined;
    this.#previous = undefined;
    this.#heapUsed = 0;
  }

  /**
   * `worker`'s thread reported its heap in use (bytes). Ignored unless
   * `worker` is the one attached: a late answer from an ended thread never
   * overwrites the next thread's figure.
   */
  heap(worker: Worker, bytes: number): void {
    if (this.#worker === worker) this.#heapUsed = bytes;
  }

  /** Whether a thread is attached now. */
  get running(): boolean {
    return this.#worker !== undefined;
  }

  /** Heap in use in the thread, as last reported (bytes; 0 without a thread). */
  get heapUsed(): number {
    return this.#heapUsed;
  }

  /**
   * Share of time the thread's event loop was busy since the previous call
   * (since the thread started, at the first call), in [0, 1]; 0 without a thread.
   */
  utilization(): number {
    const worker = this.#worker;
    if (worker === undefined) return 0;
    const now = worker.performance.eventLoopUtilization();
    const previous = this.#previous;
    this.#previous = now;
    const delta = previous === undefined ? now : worker.performance.eventLoopUtilization(now, previous);
    return Number.isFinite(delta.utilization) ? delta.utilization : 0;
  }
}
