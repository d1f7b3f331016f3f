/**
 * Runs the Open Chat server as its own process through its `open-chat serve` command — the
 * demo is a customer of the server, not part of it — and learns its URL from its start-up line.
 */
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";

export interface ServerProcess {
  url: string;
  stop(): Promise<void>;
}

const LISTENING = /open-chat: listening on (http:\/\/\S+)/;

export function startServerProcess(env: NodeJS.ProcessEnv, log: (line: string) => void = console.log): Promise<ServerProcess> {
  const bin = join(dirname(createRequire(import.meta.url).resolve("@open-chat/server/package.json")), "bin", "open-chat.js");
  const child = spawn(process.execPath, [bin, "serve"], { env, stdio: ["ignore", "pipe", "inherit"] });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let started = false;
    createInterface({ input: child.stdout! }).on("line", (line) => {
      log(line);
      const match = LISTENING.exec(line);
      if (started || !match) return;
      started = true;
      resolve({
        url: match[1]!,
        async stop() {
          if (child.exitCode === null) child.kill("SIGTERM");
          await exited;
        },
      });
    });
    child.once("error", reject);
    void exited.then((code) => {
      if (!started) reject(new Error(`open-chat serve exited with code ${code} before listening`));
    });
  });
}
