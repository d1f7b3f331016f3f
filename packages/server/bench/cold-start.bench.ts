/**
 * Cold start of the embedded mode (nothing configured but the model): spawn of the built
 * `open-chat serve` → its "listening on" line, on a new data folder ("fresh": the PGlite
 * template is loaded, every migration newer than it applied, streams-local creates its SQLite)
 * and on the same folder again ("existing"). Each start is its own process, stopped before the
 * next; rounds alternate so a busy moment of the machine hits both alike.
 *
 * "first start" runs with Node's compile cache off (NODE_DISABLE_COMPILE_CACHE=1): a machine's
 * very first start, before the cache (cli.ts) holds our modules. The last rows time the embedded
 * Postgres alone in this process, a fresh folder by initdb against one from the build's template
 * (what the fresh start cost before the template, and what it costs now).
 *
 *   node --import tsx bench/cold-start.bench.ts [rounds=5]   (after pnpm --filter @open-chat/server build)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { startEmbeddedPostgres } from "../src/db/embedded-postgres.js";
import { findPgliteTemplate } from "../src/db/pglite-template.js";
import { freePort, startCli, useDistSnapshot } from "./load/processes.js";

const ROUNDS = Number(process.argv[2] ?? 5);
// An address nothing answers on: the model is not called during a start.
const MODEL = { OPENAI_BASE_URL: "http://127.0.0.1:9/v1", OPENAI_API_KEY: "bench", MODEL: "bench-model" };

async function startOnce(dataDir: string, extra: Record<string, string> = {}): Promise<number> {
  // freePort's port is free when it answers, not when the app binds it: the embedded Postgres and
  // streams-local bind ephemeral ports of their own meanwhile, and now and then take that one.
  for (let attempt = 1; ; attempt++) {
    try {
      const app = await startCli("serve", { HOST: "127.0.0.1", PORT: String(await freePort()), DATA_DIR: dataDir, SHUTDOWN_GRACE_MS: "0", ...MODEL, ...extra }, "app (embedded)");
      await app.stop();
      return app.startMs;
    } catch (error) {
      if (attempt === 3 || !String((error as Error).message).includes("EADDRINUSE")) throw error;
    }
  }
}

// A private copy of dist/ (with its template): a rebuild during the run must not change what starts.
const dropSnapshot = useDistSnapshot();
process.on("exit", dropSnapshot);
const samples = { fresh: [] as number[], existing: [] as number[], firstFresh: [] as number[] };
for (let round = 0; round < ROUNDS; round++) {
  const dir = mkdtempSync(join(tmpdir(), "open-chat-cold-start-"));
  const cold = mkdtempSync(join(tmpdir(), "open-chat-cold-start-"));
  try {
    samples.fresh.push(await startOnce(dir));
    samples.existing.push(await startOnce(dir));
    samples.firstFresh.push(await startOnce(cold, { NODE_DISABLE_COMPILE_CACHE: "1" }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(cold, { recursive: true, force: true });
  }
}

/** startEmbeddedPostgres on a new folder: initdb (`template: false`) or the shipped template. */
async function embeddedPostgresMs(template: string | false): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "open-chat-cold-start-pg-"));
  try {
    const started = performance.now();
    const pg = await startEmbeddedPostgres({ dataDir: dir, template });
    const ms = performance.now() - started;
    await pg.stop();
    return ms;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const template = findPgliteTemplate();
if (!template) throw new Error("no PGlite template: pnpm --filter @open-chat/server build");
const pgAlone = { initdb: [] as number[], template: [] as number[] };
for (let round = 0; round < Math.min(ROUNDS, 3); round++) {
  pgAlone.initdb.push(await embeddedPostgresMs(false));
  pgAlone.template.push(await embeddedPostgresMs(template));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const row = (label: string, xs: number[]) => `| ${label} | ${Math.round(median(xs))} | ${Math.round(Math.min(...xs))} | ${Math.round(Math.max(...xs))} |`;
console.log(`cold start to ready, ${ROUNDS} rounds (${cpus().length} cores, load average ${loadavg()[0]!.toFixed(1)} at the end)\n`);
console.log("| embedded, spawn → listening (ms) | median | min | max |\n| --- | --- | --- | --- |");
console.log(row("fresh data folder", samples.fresh));
console.log(row("existing data folder", samples.existing));
console.log(row("fresh folder, compile cache off (a machine's first start)", samples.firstFresh));
console.log(row("embedded Postgres alone, fresh folder by initdb (before)", pgAlone.initdb));
console.log(row("embedded Postgres alone, fresh folder from the template (now)", pgAlone.template));
