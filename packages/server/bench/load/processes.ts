/**
 * The app and the streams tier as the operator runs them: `bin/open-chat.js serve` and
 * `bin/open-chat.js streams` (the Bun streams-server under our supervisor), each its own
 * process, started from the built package (`pnpm --filter @open-chat/server build`).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { nowUs } from "./clock.js";

const BIN = fileURLToPath(new URL("../../bin/open-chat.js", import.meta.url));
const PACKAGE_DIR = fileURLToPath(new URL("../..", import.meta.url));

export interface Started {
  child: ChildProcess;
  pid: number;
  url: string;
  /** Spawn → the "listening on" line. */
  startMs: number;
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
  const child = spawn(process.execPath, [BIN, command], { cwd: PACKAGE_DIR, env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  return new Promise((resolve, reject) => {
    let ready = false;
    const onLine = (line: string) => {
      lines.push(line);
      if (lines.length > 40) lines.shift();
      const match = /listening on (http:\/\/\S+)/.exec(line);
      if (match && !ready) {
        ready = true;
        resolve({ child, pid: child.pid!, url: match[1]!.replace(/\/$/, ""), startMs: (nowUs() - spawnedUs) / 1000, stop: () => stopChild(child) });
      }
      if (ready && /error|unhandled/i.test(line) && process.env.BENCH_VERBOSE) console.error(`[${label}] ${line}`);
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
