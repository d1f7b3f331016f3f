/**
 * How many processes `open-chat serve` runs (WORKERS). The app is stateless behind leases (turns
 * and leases in Postgres, the log in the streams tier), so with DATABASE_URL and STREAMS_URL it
 * runs one worker per core by default. The embedded PGlite and streams-local live inside one
 * process and cannot be shared: without both URLs it is one process, whatever WORKERS says.
 */
import { availableParallelism } from "node:os";
import type { ServerConfig } from "./config.js";

export interface WorkerPlan {
  /** Processes serving requests; 1 = no cluster, the server runs in this process. */
  workers: number;
  /** Why WORKERS was not followed, for the start-up log. */
  note?: string;
}

/** WORKERS: a positive integer or `auto` (default: the available parallelism, i.e. usable cores). */
export function workerPlan(env: NodeJS.ProcessEnv, config: Pick<ServerConfig, "databaseUrl" | "streamsUrl">): WorkerPlan {
  const raw = env.WORKERS?.trim();
  let asked: number | undefined;
  if (raw && raw !== "auto") {
    asked = Number(raw);
    if (!Number.isInteger(asked) || asked < 1) throw new Error(`WORKERS must be a positive integer or "auto", got ${JSON.stringify(raw)}`);
  }
  const embedded = [!config.databaseUrl && "PGlite (DATABASE_URL unset)", !config.streamsUrl && "streams-local (STREAMS_URL unset)"].filter(Boolean);
  if (embedded.length > 0) {
    const note = asked !== undefined && asked > 1 ? `WORKERS=${asked} ignored: the embedded ${embedded.join(" and ")} serves one process only` : undefined;
    return note ? { workers: 1, note } : { workers: 1 };
  }
  return { workers: asked ?? availableParallelism() };
}
