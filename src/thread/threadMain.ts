/**
 * The entry of an agent's worker thread (`isolation: thread`): runs a
 * {@link ThreadRuntime} on `parentPort` with the `workerData` the main
 * thread's `ThreadAgent` gave (a {@link ThreadBoot}).
 */
import { parentPort, workerData } from "node:worker_threads";
import type { ThreadBoot } from "./protocol.js";
import { ThreadRuntime } from "./ThreadRuntime.js";

if (parentPort !== null) void new ThreadRuntime(parentPort, workerData as ThreadBoot).start();
