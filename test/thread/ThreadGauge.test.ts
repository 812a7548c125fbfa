import type { Worker } from "node:worker_threads";
import { describe, expect, test } from "vitest";
import { ThreadGauge } from "../../src/thread/ThreadGauge.js";

/** A stand-in for a worker: the gauge only compares it, and reads its event-loop figures. */
function fakeWorker(): Worker {
  const utilization = { idle: 1, active: 1, utilization: 0.5 };
  return { performance: { eventLoopUtilization: () => utilization } } as unknown as Worker;
}

describe("ThreadGauge", () => {
  test("a heap figure from an ended incarnation's thread never overwrites the next thread's", () => {
    const gauge = new ThreadGauge();
    const first = fakeWorker();
    const second = fakeWorker();
    gauge.attach(first);
    gauge.heap(first, 100);
    expect(gauge.heapUsed).toBe(100);
    gauge.detach(first);
    gauge.heap(first, 200); // a late answer, after the thread ended
    expect(gauge.heapUsed).toBe(0);
    gauge.attach(second);
    gauge.heap(second, 300);
    gauge.heap(first, 400); // later still
    expect(gauge.heapUsed).toBe(300);
    expect(gauge.running).toBe(true);
  });
});
