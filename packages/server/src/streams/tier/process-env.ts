/**
 * The one place in the server that writes `process.env`, and why: `@prisma/streams-local`
 * (0.1.11) takes only `{ name, hostname, port }` as options and reads the rest of its
 * configuration (`DS_LOCAL_DATA_ROOT`, `DS_INGEST_FLUSH_MS`) from `process.env` while it
 * starts; it runs inside this process, so there is no child environment to hand it instead.
 * The variables are set for the duration of `fn` only and restored afterwards; callers
 * serialise the starts (embedded.ts) so two starts never see each other's values.
 * `@prisma/streams-server` runs as a child and gets an env object instead (server-process.ts).
 */
export async function withProcessEnv<R>(vars: Record<string, string>, fn: () => Promise<R>): Promise<R> {
  const previous = new Map<string, string | undefined>();
  for (const [name, value] of Object.entries(vars)) {
    previous.set(name, process.env[name]);
    process.env[name] = value;
  }
  try {
    return await fn();
  } finally {
    for (const [name, value] of previous) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}
