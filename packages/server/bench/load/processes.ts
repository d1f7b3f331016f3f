/**
 * The app and the streams tier as the operator runs them: `open-chat serve` and
 * `open-chat streams` (the Bun streams-server under our supervisor), each its own
 * process, started from the built package (`pnpm --filter @open-chat/server build`).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { cpSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { nowUs } from "./clock.js";

const PACKAGE_DIR = fileURLToPath(new URL("../..", import.meta.url));
let cli = join(PACKAGE_DIR, "dist", "cli.js");

/**
 * Runs every later start from a private copy of `dist/` (under `bench/.dist/`, so packages still
 * resolve from this package's node_modules and migrations from its `prisma/`): a rebuild of
 * the package during a 20-minute run must not pull the files from under the processes it starts.
 */
export function useDistSnapshot(): () => void {
  const dir = join(PACKAGE_DIR, "bench", ".dist", String(process.pid));
  cpSync(join(PACKAGE_DIR, "dist"), join(dir, "dist"), { recursive: true });
  cli = join(dir, "dist", "cli.js");
  return () => rmSync(dir, { recursive: true, force: true });
}

export interface Started {
  child: ChildProcess;
  pid: number;
  url: string;
  /** Spawn → the "listening on" line. */
  startMs: number;
  /** The first few distinct error lines it logged after listening (why a send answered 500). */
  errors: string[];
  stop(): Promise<void>;
}

/** A port nobody listens on right now (the app needs its own URL before it starts). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** Runs `open-chat <command>` and resolves once it logs `<prefix>listening on <url>`. */
export function startCli(command: "serve" | "streams", env: Record<string, string>, label: string): Promise<Started> {
  const spawnedUs = nowUs();
  const child = spawn(process.execPath, [cli, command], { cwd: PACKAGE_DIR, env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  const errors: string[] = [];
  return new Promise((resolve, reject) => {
    let ready = false;
    const onLine = (line: string) => {
      lines.push(line);
      if (lines.length > 40) lines.shift();
      const match = /listening on (http:\/\/\S+)/.exec(line);
      if (match && !ready) {
        ready = true;
        resolve({ child, pid: child.pid!, url: match[1]!.replace(/\/$/, ""), startMs: (nowUs() - spawnedUs) / 1000, errors, stop: () => stopChild(child) });
      }
      if (ready && /error|unhandled|P\d{4}/i.test(line)) {
        const short = line.slice(0, 300);
        if (errors.length < 5 && !errors.includes(short)) errors.push(short);
        if (process.env.BENCH_VERBOSE) console.error(`[${label}] ${line}`);
      }
    };
    for (const stream of [child.stdout!, child.stderr!]) {
      let buffer = "";
      stream.setEncoding("utf8");
      stream.on("data", (chunk: string) => {
        buffer += chunk;
        const parts = buffer.split("\n");
        buffer = parts.pop()!;
        parts.forEach(onLine);
      });
    }
    child.once("exit", (code, signal) => {
      if (!ready) reject(new Error(`${label} exited before listening (${signal ?? `code ${code}`}):\n${lines.join("\n")}`));
    });
  });
}

/** SIGTERM, and SIGKILL if it has not exited 20 s later (a bench must not hang on a stuck stop). */
export function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const hard = setTimeout(() => child.kill("SIGKILL"), 20_000);
    child.once("exit", () => {
      clearTimeout(hard);
      resolve();
    });
    child.kill("SIGTERM");
  });
}
