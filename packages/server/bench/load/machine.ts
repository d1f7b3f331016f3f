/** The machine and versions a result was measured on, for the report's header. */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { cpus, loadavg, totalmem } from "node:os";
import { createRequire } from "node:module";
import pg from "pg";
import { ADMIN_URL } from "./database.js";

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  /** 1-minute load average when the run started: other work on the machine skews every figure. */
  loadAverageAtStart: number;
  node: string;
  bun: string;
  postgres: string;
  packages: Record<string, string>;
  /** The commit measured (short hash), "+ changes" when tracked files differed from it; absent in older results. */
  code?: string;
}

const require = createRequire(import.meta.url);

/** The installed version, found from the package's entry point (some packages do not export package.json). */
function packageVersion(name: string): string {
  try {
    let dir = dirname(require.resolve(name));
    while (dir !== dirname(dir)) {
      const file = join(dir, "package.json");
      if (existsSync(file)) {
        const pkg = JSON.parse(readFileSync(file, "utf8")) as { name?: string; version?: string };
        if (pkg.name === name && pkg.version) return pkg.version;
      }
      dir = dirname(dir);
    }
  } catch {
    // reported as unknown
  }
  return "unknown";
}

/** The checkout's commit, so a result can be traced to the code it measured ("unknown" outside git). */
function codeVersion(): string {
  const git = (...args: string[]) => execFileSync("git", args, { cwd: dirname(new URL(import.meta.url).pathname), encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  try {
    const changed = git("status", "--porcelain", "--untracked-files=no") !== "";
    return `${git("rev-parse", "--short", "HEAD")}${changed ? " + changes" : ""}`;
  } catch {
    return "unknown";
  }
}

export async function machineInfo(): Promise<MachineInfo> {
  let bun = "unknown";
  try {
    bun = execFileSync(require.resolve("bun/bin/bun.exe"), ["--version"], { encoding: "utf8" }).trim();
  } catch {
    // reported as unknown
  }
  let postgres = "unknown";
  const client = new pg.Client({ connectionString: ADMIN_URL });
  try {
    await client.connect();
    postgres = String((await client.query("show server_version")).rows[0]?.server_version);
  } catch {
    // reported as unknown
  } finally {
    await client.end().catch(() => undefined);
  }
  return {
    cpu: cpus()[0]?.model ?? "unknown",
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    loadAverageAtStart: Math.round(loadavg()[0]! * 100) / 100,
    node: process.version,
    bun,
    postgres,
    code: codeVersion(),
    packages: Object.fromEntries(["@prisma/streams-local", "@prisma/streams-server", "hono", "openai", "@prisma/client"].map((name) => [name, packageVersion(name)])),
  };
}
