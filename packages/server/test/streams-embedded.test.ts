import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { makeTempDir, removeDir } from "@open-chat/testing";
import { afterAll, describe, expect, it } from "vitest";
import { createStreamsClient } from "../src/streams/client/http-client.js";
import { startEmbeddedStreams } from "../src/streams/tier/embedded.js";
import { readAll, uniqueStreamName } from "./helpers/streams.js";

describe("embedded streams-local", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    dirs.forEach(removeDir);
  });
  const tempDir = async () => {
    const dir = makeTempDir("open-chat-embedded-");
    dirs.push(dir);
    return dir;
  };

  it("keeps its SQLite data in dataDir and survives close + restart on the same folder", async () => {
    const dataDir = await tempDir();
    const stream = uniqueStreamName("persist");
    const producer = { id: "gen:persist", epoch: 0, seq: 0 };

    const first = await startEmbeddedStreams({ dataDir });
    let offset: string | null;
    try {
      expect(first.sqlitePath).toBe(join(dataDir, "default", "durable-streams.sqlite"));
      expect(existsSync(first.sqlitePath)).toBe(true);
      const client = createStreamsClient({ baseUrl: first.url });
      await client.ensureStream(stream);
      offset = (await client.append(stream, [{ n: 1 }, { n: 2 }], { key: "chat:1", producer })).nextOffset;
    } finally {
      await first.close();
    }
    await first.close(); // idempotent

    const second = await startEmbeddedStreams({ dataDir });
    try {
      const client = createStreamsClient({ baseUrl: second.url });
      expect(await readAll(client, stream, "chat:1")).toEqual([{ n: 1 }, { n: 2 }]);
      // The idempotent producer's state survived too: the same seq is still a duplicate.
      expect(await client.append(stream, [{ n: 1 }, { n: 2 }], { key: "chat:1", producer })).toMatchObject({ duplicate: true });
      await client.append(stream, [{ n: 3 }], { key: "chat:1", producer: { ...producer, seq: 1 } });
      expect((await client.read(stream, { offset: offset!, key: "chat:1" })).records).toEqual([{ n: 3 }]);
    } finally {
      await second.close();
    }
  });

  it("sets its configuration only while starting, and starts several servers side by side", async () => {
    const before = { root: process.env.DS_LOCAL_DATA_ROOT, flush: process.env.DS_INGEST_FLUSH_MS };
    const [a, b] = await Promise.all([
      startEmbeddedStreams({ dataDir: await tempDir() }),
      startEmbeddedStreams({ dataDir: await tempDir(), name: "other", ingestFlushMs: 2 }),
    ]);
    try {
      expect(process.env.DS_LOCAL_DATA_ROOT).toBe(before.root);
      expect(process.env.DS_INGEST_FLUSH_MS).toBe(before.flush);
      expect(a.url).not.toBe(b.url);
      expect(b.sqlitePath).toContain(join("other", "durable-streams.sqlite"));
      const details = (await (await fetch(`${b.url}/v1/server/_details`)).json()) as unknown;
      // streams-local honours DS_INGEST_FLUSH_MS but pins the ingest concurrency to 2 (its 1024 MB preset).
      expect(JSON.stringify(details)).toContain('"ingest":2');
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it("runs on a thread of its own: the same folder and lock, its configuration in that thread only", async () => {
    const dataDir = await tempDir();
    const before = { root: process.env.DS_LOCAL_DATA_ROOT, flush: process.env.DS_INGEST_FLUSH_MS };
    const stream = uniqueStreamName("thread");
    const threaded = await startEmbeddedStreams({ dataDir, thread: true, ingestFlushMs: 2 });
    try {
      expect(process.env.DS_LOCAL_DATA_ROOT).toBe(before.root);
      expect(process.env.DS_INGEST_FLUSH_MS).toBe(before.flush);
      expect(threaded.sqlitePath).toBe(join(dataDir, "default", "durable-streams.sqlite"));
      // The lock is the folder's, whichever thread holds it; the error crosses the thread boundary.
      await expect(startEmbeddedStreams({ dataDir })).rejects.toThrow(`is in use by process ${process.pid} (${threaded.url})`);
      await expect(startEmbeddedStreams({ dataDir, thread: true })).rejects.toThrow(`is in use by process ${process.pid} (${threaded.url}) (on the embedded streams thread)`);
      const client = createStreamsClient({ baseUrl: threaded.url });
      await client.ensureStream(stream);
      await client.append(stream, [{ n: 1 }], { key: "chat:1" });
    } finally {
      await threaded.close();
    }
    const again = await startEmbeddedStreams({ dataDir });
    try {
      expect(await readAll(createStreamsClient({ baseUrl: again.url }), stream, "chat:1")).toEqual([{ n: 1 }]);
    } finally {
      await again.close();
    }
  });

  it("refuses a second server on a folder that is in use (lock)", async () => {
    const dataDir = await tempDir();
    const first = await startEmbeddedStreams({ dataDir });
    try {
      await expect(startEmbeddedStreams({ dataDir })).rejects.toThrow(`is in use by process ${process.pid} (${first.url})`);
    } finally {
      await first.close();
    }
  });

  /** A process that started streams-local on `dataDir`, appended "before the crash" and was killed with SIGKILL. */
  async function killedOwner(dataDir: string): Promise<void> {
    const scriptPath = join(await tempDir(), "crashing-owner.mts");
    await writeFile(
      scriptPath,
      `import { startEmbeddedStreams } from ${JSON.stringify(fileURLToPath(new URL("../src/streams/tier/embedded.ts", import.meta.url)))};
       import { createStreamsClient } from ${JSON.stringify(fileURLToPath(new URL("../src/streams/client/http-client.ts", import.meta.url)))};
       const s = await startEmbeddedStreams({ dataDir: process.argv[2], thread: true });
       const c = createStreamsClient({ baseUrl: s.url });
       await c.ensureStream("crash");
       await c.append("crash", ["before the crash"]);
       console.log("ready");
       setInterval(() => {}, 1000);`,
    );
    // One process (node + the tsx loader; the tier on a thread of it, as serve runs it), so SIGKILL hits the lock owner itself.
    const packageRoot = fileURLToPath(new URL("..", import.meta.url));
    const child = spawn(process.execPath, ["--import", "tsx", scriptPath, dataDir], {
      cwd: packageRoot,
      stdio: ["ignore", "pipe", "inherit"],
    });
    const exited = once(child, "exit");
    try {
      const ready = once(createInterface({ input: child.stdout! }), "line");
      const [line] = (await Promise.race([ready, exited.then(() => ["exited before ready"])])) as [string];
      expect(line).toBe("ready");
    } finally {
      child.kill("SIGKILL");
      await exited;
    }
  }

  /** A start on `dataDir` succeeds and serves what the killed owner appended. */
  async function expectTakenOver(dataDir: string): Promise<void> {
    const restarted = await startEmbeddedStreams({ dataDir });
    try {
      expect(await readAll(createStreamsClient({ baseUrl: restarted.url }), "crash")).toEqual(["before the crash"]);
    } finally {
      await restarted.close();
    }
  }

  it("takes over the folder of a process that was killed without releasing its lock", async () => {
    const dataDir = await tempDir();
    await killedOwner(dataDir);
    // The lock was last refreshed a while ago (proper-lockfile would call it stale only after 30 s).
    const past = new Date(Date.now() - 10_000);
    await utimes(join(dataDir, "default", "server.lock.lock"), past, past);

    await expectTakenOver(dataDir);
  }, 30_000);

  it("takes over right after the kill, once the dead owner's lock is old enough not to be a start in progress", async () => {
    const dataDir = await tempDir();
    await killedOwner(dataDir);
    // As young as a lock can be: a start that finds it waits for it to age instead of refusing.
    const now = new Date();
    await utimes(join(dataDir, "default", "server.lock.lock"), now, now);
    await expectTakenOver(dataDir);
  }, 30_000);
});
