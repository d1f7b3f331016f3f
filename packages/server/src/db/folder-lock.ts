/**
 * One process per embedded database folder. PGlite takes no lock of its own: a second process
 * opening the same folder (say `open-chat tenant create` next to a running `open-chat serve`)
 * runs a second Postgres on the same files without any error, and the two corrupt each other's
 * data. So the folder holds a lock file naming its owner's pid, created exclusively; a lock whose
 * process no longer exists (kill -9, crash) is taken over.
 */
import { linkSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { processExists } from "../process-alive.js";

export const LOCK_FILE = "open-chat.lock";

export class FolderInUseError extends Error {
  constructor(
    readonly folder: string,
    readonly pid: number,
  ) {
    super(`${folder} is in use by process ${pid} (if that process does not use it, remove ${join(folder, LOCK_FILE)})`);
    this.name = "FolderInUseError";
  }
}

export interface FolderLock {
  /** Removes the lock file. Idempotent. */
  release(): void;
}

/** Folders this process holds: a pid check cannot tell our own lock from a stale one of a reused pid. */
const heldHere = new Set<string>();

/** Throws {@link FolderInUseError} while another live process (or this one) holds `folder`. */
export function lockFolder(folder: string): FolderLock {
  const path = join(resolve(folder), LOCK_FILE);
  if (heldHere.has(path)) throw new FolderInUseError(folder, process.pid);
  if (!tryCreate(path)) {
    const owner = ownerOf(path);
    if (owner !== undefined && owner !== process.pid && processExists(owner)) throw new FolderInUseError(folder, owner);
    // The owner is gone (or the file is unreadable): take over.
    removeIfPresent(path);
    if (!tryCreate(path)) throw new FolderInUseError(folder, ownerOf(path) ?? -1);
  }
  heldHere.add(path);
  // A process that exits without stopping the database (process.exit on a hung shutdown) leaves no lock behind.
  const onExit = () => release();
  process.once("exit", onExit);
  function release() {
    if (!heldHere.delete(path)) return;
    process.off("exit", onExit);
    removeIfPresent(path);
  }
  return { release };
}

/** Written aside, then linked into place: the lock appears atomically, never empty or half written. */
function tryCreate(path: string): boolean {
  const draft = `${path}.${process.pid}`;
  writeFileSync(draft, JSON.stringify({ pid: process.pid }) + "\n");
  try {
    linkSync(draft, path);
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === "EEXIST") return false;
    throw error;
  } finally {
    removeIfPresent(draft);
  }
}

function removeIfPresent(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    if ((error as { code?: string }).code !== "ENOENT") throw error;
  }
}

function ownerOf(path: string): number | undefined {
  try {
    const pid = (JSON.parse(readFileSync(path, "utf8")) as { pid?: unknown }).pid;
    return typeof pid === "number" && Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
