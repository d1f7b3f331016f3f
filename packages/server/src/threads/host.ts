/**
 * Runs an embedded service — PGlite, streams-local — on a worker thread of this process.
 *
 * Both are CPU-heavy and each talks to the app over loopback anyway (the Postgres wire protocol,
 * HTTP), so on a thread of their own they take the second core instead of the app's event loop:
 * PGlite's WebAssembly and streams-local's SQLite ran on the same loop as every request and
 * token (the embedded process saturated one core from 50 answers), and at start-up PGlite's ~1 s
 * of WebAssembly now runs beside the loading of the app's modules instead of after it.
 *
 * A service that dies on its thread after it started crashes the process, as it did when it ran
 * on the main thread: the Worker's `error` event has no listener then.
 */
import { Worker } from "node:worker_threads";
import { fromWire, THREAD_MESSAGE, type FromThread, type ThreadedService } from "./protocol.js";

/** Where a worker module is and how to load it. */
export interface ThreadEntry {
  url: URL;
  execArgv?: string[];
}

/**
 * The worker module `name` beside the module at `hostUrl`: the built `.js` (tsup emits each
 * worker module as its own entry at the top of `dist/`, where the host's chunk lands too), or,
 * running from the sources (tests), the `.ts` file through tsx.
 */
export function threadEntry(hostUrl: string, name: string): ThreadEntry {
  if (hostUrl.endsWith(".ts")) return { url: new URL(`./${name}.ts`, hostUrl), execArgv: ["--import", "tsx"] };
  return { url: new URL(`./${name}.js`, hostUrl) };
}

/** Starts the service of `entry` on a new thread with `options`; resolves once it is ready. */
export async function startOnThread<T>(entry: ThreadEntry, options: unknown, label: string): Promise<ThreadedService<T>> {
  const worker = new Worker(entry.url, { workerData: options, name: label, ...(entry.execArgv ? { execArgv: entry.execArgv } : {}) });
  let value: T;
  try {
    value = (await firstAnswer(worker, label, THREAD_MESSAGE.ready)) as T;
  } catch (error) {
    await worker.terminate();
    throw error;
  }
  let stopping: Promise<void> | undefined;
  return {
    value,
    stop: () =>
      (stopping ??= (async () => {
        try {
          worker.postMessage({ type: THREAD_MESSAGE.stop });
          await firstAnswer(worker, label, THREAD_MESSAGE.stopped);
        } finally {
          await worker.terminate();
        }
      })()),
  };
}

/** The worker's next answer: its value when it is `expected`, else the error it reports or dies of. */
function firstAnswer(worker: Worker, label: string, expected: FromThread["type"]): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const settle = (outcome: () => void) => {
      worker.off("message", onMessage).off("error", onError).off("exit", onExit);
      outcome();
    };
    const onMessage = (message: FromThread) =>
      settle(() => {
        if (message.type === expected) resolve("value" in message ? message.value : undefined);
        else if ("error" in message) reject(fromWire(message.error, label));
        else reject(new Error(`the ${label} thread answered ${message.type}, expected ${expected}`));
      });
    const onError = (error: Error) => settle(() => reject(error));
    const onExit = (code: number) => settle(() => reject(new Error(`the ${label} thread exited (code ${code}) before it answered`)));
    worker.on("message", onMessage).on("error", onError).on("exit", onExit);
  });
}
