/**
 * The API server as a real child process (`open-chat serve`, the built CLI), so a chaos test
 * can kill it the way production dies: SIGKILL mid-answer, SIGSTOP/SIGCONT, SIGTERM once or
 * twice, SIGINT to its process group.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const BIN = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "bin", "open-chat.js");
const LISTENING = /open-chat: listening on (http:\/\/\S+)/;

export interface ApiProcess {
  url: string;
  pid: number;
  child: ChildProcess;
  /** Every line the process printed (stdout and stderr). */
  output: string[];
  /** Resolves with the exit code (or the signal's name) once the process has exited. */
  exited: Promise<number | string>;
  /** Resolves once the output satisfies `test` (checked on every new line); rejects if the process exits first. */
  printed(test: (lines: readonly string[]) => boolean): Promise<void>;
  /** Sends `signal` (to the whole process group with `group`). */
  signal(signal: NodeJS.Signals, options?: { group?: boolean }): void;
  /** SIGKILL and wait for the exit. */
  kill(): Promise<void>;
}

/** Chaos runs are about processes dying, not about rate limits: those are off (0) unless a test sets them. */
const CHAOS_LIMITS = {
  RATE_SIGNINS_PER_MINUTE: "0",
  RATE_SENDS_PER_MINUTE: "0",
  RATE_TENANT_SENDS_PER_MINUTE: "0",
  QUOTA_CHATS_PER_DAY: "0",
  MAX_RUNNING_ANSWERS_PER_USER: "0",
  MAX_TAILS_PER_USER: "0",
  // One process (no cluster) unless a test asks for workers: these suites signal, pause and kill
  // "the server" by its pid.
  WORKERS: "1",
};

export async function startApiProcess(env: Record<string, string>): Promise<ApiProcess> {
  // Its own process group, so a test can signal "the terminal's Ctrl+C" to the group.
  const child = spawn(process.execPath, [BIN, "serve"], {
    env: { ...process.env, ...CHAOS_LIMITS, ...env, PORT: "0", HOST: "127.0.0.1" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const output: string[] = [];
  const watchers = new Set<() => void>();
  const exited = once(child, "exit").then(([code, signal]) => (code ?? signal) as number | string);
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on("line", (line) => {
      output.push(line);
      for (const watch of [...watchers]) watch();
    });
  }
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const match = LISTENING.exec(line);
      if (match) resolve(match[1]!);
    });
    void exited.then((code) => reject(new Error(`open-chat serve exited (${code}) before listening:\n${output.join("\n")}`)));
  });
  return {
    url,
    pid: child.pid!,
    child,
    output,
    exited,
    printed(test) {
      return new Promise<void>((resolve, reject) => {
        const watch = () => {
          if (!test(output)) return;
          watchers.delete(watch);
          resolve();
        };
        watchers.add(watch);
        watch();
        void exited.then(() => {
          if (watchers.delete(watch)) test(output) ? resolve() : reject(new Error(`the process exited first:\n${output.join("\n")}`));
        });
      });
    },
    signal(signal, { group = false } = {}) {
      process.kill(group ? -child.pid! : child.pid!, signal);
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, "SIGKILL");
      await exited;
    },
  };
}
