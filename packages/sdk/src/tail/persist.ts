/**
 * Writes a tail's (offset, state) pair to storage after batches are applied: at most one write
 * in flight, at most one every `intervalMs`, always the latest pair. The stored pair may lag
 * what is shown (a reload then re-reads a few events; the fold drops the duplicates) but never
 * runs ahead of it. A write that fails (quota) deletes the key: the next load reads from -1.
 */
import { encodeSnapshot, type TailSnapshot } from "./snapshot.js";
import type { ChatStorage } from "../storage.js";

export interface Saver {
  /** The state changed: write it soon. */
  schedule(): void;
  /** Writes now if anything is unwritten; resolves when storage has it. */
  flush(): Promise<void>;
}

export function createSaver(options: { storage: ChatStorage; key: string; intervalMs: number; read: () => TailSnapshot }): Saver {
  const { storage, key, intervalMs, read } = options;
  let dirty = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let writing: Promise<void> | null = null;

  async function write(): Promise<void> {
    while (dirty) {
      dirty = false;
      try {
        await storage.set(key, encodeSnapshot(read()));
      } catch {
        await storage.delete(key).catch(() => {});
      }
    }
  }

  function start(): Promise<void> {
    clearTimeout(timer);
    timer = undefined;
    writing ??= write().finally(() => {
      writing = null;
    });
    return writing;
  }

  return {
    schedule() {
      dirty = true;
      if (timer === undefined && !writing) timer = setTimeout(start, intervalMs);
    },
    async flush() {
      if (writing) await writing;
      if (dirty) await start();
    },
  };
}
