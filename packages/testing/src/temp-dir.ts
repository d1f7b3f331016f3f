/** Temporary folders for data a test server writes (streams, secrets, browser profiles). */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A new empty folder under the OS temp folder, e.g. `/tmp/open-chat-test-Ab12Cd`. */
export function makeTempDir(prefix = "open-chat-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Removes `dir` and everything in it; a missing folder is fine. */
export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
}
