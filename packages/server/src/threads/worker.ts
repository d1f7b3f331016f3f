/**
 * The worker thread's side of a threaded service (host.ts): starts the service from the data
 * the host gave, reports `ready` with the service's value (a URL, a path: anything structured
 * clone carries) or `failed`, and stops it when the host asks.
 */
import { parentPort, workerData } from "node:worker_threads";
import { THREAD_MESSAGE, toWire, type FromThread, type ThreadedService } from "./protocol.js";

export function serveOnThisThread<O, T>(start: (options: O) => Promise<ThreadedService<T>>): void {
  const port = parentPort;
  if (!port) throw new Error("serveOnThisThread runs on a worker thread only");
  const send = (message: FromThread) => port.postMessage(message);
  start(workerData as O).then(
    (service) => {
      port.on("message", (message: { type?: unknown }) => {
        if (message?.type !== THREAD_MESSAGE.stop) return;
        service.stop().then(
          () => send({ type: THREAD_MESSAGE.stopped }),
          (error: unknown) => send({ type: THREAD_MESSAGE.stopFailed, error: toWire(error) }),
        );
      });
      send({ type: THREAD_MESSAGE.ready, value: service.value });
    },
    (error: unknown) => send({ type: THREAD_MESSAGE.failed, error: toWire(error) }),
  );
}
