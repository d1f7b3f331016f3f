/**
 * `open-chat serve` hears SIGTERM from the start of its start on: a stop asked while the embedded
 * server starts waits for the start, closes what it opened and exits 0, so the data folders are
 * free for the next start at once. (It used to install its handlers only once started: SIGTERM
 * in between — even right after "listening on" — killed the process with streams-local's folder
 * locked, and a restart within a second was refused: "in use by process <the dead one>".)
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { makeTempDir, removeDir } from "@open-chat/testing";
import { afterAll, describe, expect, it } from "vitest";
import { LOCK_FILE } from "../src/db/folder-lock.js";

const PACKAGE_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const CLI = join(PACKAGE_ROOT, "src", "cli.ts");
const dataDir = makeTempDir("open-chat-serve-signals-");
afterAll(() => removeDir(dataDir));

const streamsLock = join(dataDir, "streams", "default", "server.lock.lock");
const postgresLock = join(dataDir, "postgres", LOCK_FILE);

function serve(): { child: ChildProcess; output: () => string; listening: Promise<void> } {
  const child = spawn(process.execPath, ["--import", "tsx", CLI, "serve"], {
    cwd: PACKAGE_ROOT,
    env: {
      ...process.env,
      DATABASE_URL: "",
      STREAMS_URL: "",
      DATA_DIR: dataDir,
      HOST: "127.0.0.1",
      PORT: "0",
      SHUTDOWN_GRACE_MS: "0",
      // A provider that is never asked: no answer runs here.
      OPENAI_BASE_URL: "http://127.0.0.1:9/v1",
      OPENAI_API_KEY: "unused",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const listening = new Promise<void>((resolve) => {
    const onData = (chunk: Buffer) => {
      output += chunk;
      if (output.includes("listening on")) resolve();
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk));
  });
  return { child, output: () => output, listening };
}

/** Resolves once `path` exists, checking every 5 ms (no event tells when another process creates a directory); false if the process exits first. */
async function appears(path: string, child: ChildProcess): Promise<boolean> {
  while (child.exitCode === null && child.signalCode === null) {
    if (existsSync(path)) return true;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return false;
}

describe("open-chat serve and SIGTERM", () => {
  it("stops cleanly when SIGTERM comes while it starts, and the same folders start again at once", async () => {
    const first = serve();
    const exited = once(first.child, "exit");
    expect(await appears(streamsLock, first.child)).toBe(true);
    first.child.kill("SIGTERM"); // streams-local holds its folder; the server has not said it listens
    const [code, signal] = (await exited) as [number | null, NodeJS.Signals | null];
    expect({ code, signal }, first.output()).toEqual({ code: 0, signal: null });
    expect(existsSync(streamsLock)).toBe(false);
    expect(existsSync(postgresLock)).toBe(false);

    const second = serve();
    const secondExited = once(second.child, "exit");
    await Promise.race([second.listening, secondExited.then(() => Promise.reject(new Error(second.output())))]);
    second.child.kill("SIGTERM");
    expect((await secondExited)[0]).toBe(0);
  }, 60_000);
});
