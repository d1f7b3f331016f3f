import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { connect } from "node:net";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { makeTempDir, removeDir } from "@open-chat/testing";
import { afterAll, describe, expect, it } from "vitest";
import { STREAMS_ORPHAN_GRACE_MS } from "../src/streams/tier/bun-wrapper.js";
import { createStreamsClient } from "../src/streams/client/http-client.js";
import { StreamsError } from "../src/streams/client/errors.js";
import { serveStreamsFromEnv, streamsOptionsFromEnv } from "../src/streams/tier/serve.js";
import { startStreamsServerProcess } from "../src/streams/tier/server-process.js";
import { readAll, streamsBackendKinds, uniqueStreamName, useStreamsBackend } from "./helpers/streams.js";

const withBun = streamsBackendKinds().includes("bun-server");
const silent = { log: () => {}, error: () => {} };

describe.runIf(withBun)("bun streams-server with api-key auth", () => {
  const backend = useStreamsBackend("bun-server");

  it("rejects requests without the key or with a wrong key (401)", async () => {
    const stream = uniqueStreamName("auth");
    await backend().client().ensureStream(stream);
    const anonymous = await fetch(`${backend().url}/v1/stream/${encodeURIComponent(stream)}?offset=-1`);
    await anonymous.arrayBuffer();
    expect(anonymous.status).toBe(401);
    const wrongKey = createStreamsClient({ baseUrl: backend().url, apiKey: "not-the-key-at-all" });
    await expect(wrongKey.read(stream)).rejects.toMatchObject({ status: 401, code: "streams_bad_response" });
    await expect(createStreamsClient({ baseUrl: backend().url }).ping()).rejects.toBeInstanceOf(StreamsError);
    await expect(backend().client().ping()).resolves.toBeUndefined();
  });
});

describe.runIf(withBun)("bun streams-server process lifecycle", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    dirs.forEach(removeDir);
  });
  const tempDir = async () => {
    const dir = makeTempDir("open-chat-bun-");
    dirs.push(dir);
    return dir;
  };

  it("keeps acknowledged records and producer state across kill -9 and a restart", async () => {
    const dataDir = await tempDir();
    const first = await startStreamsServerProcess({ dataDir });
    const stream = uniqueStreamName("crash");
    const producer = { id: "gen:crash", epoch: 0, seq: 0 };
    try {
      const client = createStreamsClient({ baseUrl: first.url, apiKey: first.apiKey });
      await client.ensureStream(stream);
      await client.append(stream, ["acked"], { key: "k", producer });
    } finally {
      expect((await first.kill()).signal).toBe("SIGKILL");
    }
    const second = await startStreamsServerProcess({ dataDir, apiKey: first.apiKey });
    try {
      const client = createStreamsClient({ baseUrl: second.url, apiKey: second.apiKey });
      expect(await readAll(client, stream, "k")).toEqual(["acked"]);
      expect((await client.append(stream, ["acked"], { key: "k", producer })).duplicate).toBe(true);
      expect(await readAll(client, stream, "k")).toEqual(["acked"]);
    } finally {
      const t0 = performance.now();
      const exit = await second.stop();
      console.info(`[bun streams-server] graceful stop took ${Math.round(performance.now() - t0)} ms`, exit);
    }
  }, 40_000);

  it("fails with a clear error that includes the server's own output", async () => {
    const start = startStreamsServerProcess({ dataDir: await tempDir(), objectStore: "r2", inheritEnv: false });
    await expect(start).rejects.toThrow(/streams-server did not start[\s\S]*missing R2 env vars/);
  });

  it("reports a missing Bun executable", async () => {
    const start = startStreamsServerProcess({ dataDir: await tempDir(), bunPath: "/nonexistent/bun" });
    await expect(start).rejects.toThrow(/streams-server did not start: .*ENOENT/);
  });

  it("refuses a short API key before spawning", async () => {
    await expect(startStreamsServerProcess({ dataDir: await tempDir(), apiKey: "short" })).rejects.toBeInstanceOf(RangeError);
  });

  it("serveStreamsFromEnv starts the tier from environment variables", async () => {
    const dataDir = await tempDir();
    const server = await serveStreamsFromEnv(
      { STREAMS_API_KEY: "serve-test-key-123", STREAMS_PORT: "0", STREAMS_DATA_DIR: dataDir, PATH: process.env.PATH },
      { handleSignals: false, forwardLogs: false, logger: silent },
    );
    try {
      expect(server.apiKey).toBe("serve-test-key-123");
      await createStreamsClient({ baseUrl: server.url, apiKey: server.apiKey }).ping();
    } finally {
      await server.stop();
    }
  }, 40_000);
});

describe.runIf(withBun)("bun streams-server never outlives its supervisor", () => {
  const dirs: string[] = [];
  const supervisors: ChildProcess[] = [];
  afterAll(async () => {
    for (const sup of supervisors) if (sup.exitCode === null && sup.signalCode === null) sup.kill("SIGKILL");
    dirs.forEach(removeDir);
  });
  const tempDir = () => {
    const dir = makeTempDir("open-chat-bun-sup-");
    dirs.push(dir);
    return dir;
  };

  /**
   * `open-chat streams` as a real process of its own: node + the tsx loader running the same
   * `serveStreamsFromEnv(process.env)` call as src/cli.ts (one process, so SIGKILL hits the
   * supervisor itself). Resolves once it has printed its child's pid and URL.
   */
  async function startSupervisor(env: Record<string, string>) {
    const scriptPath = join(tempDir(), "supervisor.mts");
    const serve = fileURLToPath(new URL("../src/streams/tier/serve.ts", import.meta.url));
    await writeFile(
      scriptPath,
      `import { serveStreamsFromEnv } from ${JSON.stringify(serve)};
       const server = await serveStreamsFromEnv(process.env, { forwardLogs: false });
       console.log(JSON.stringify({ pid: server.pid, url: server.url }));`,
    );
    const sup = spawn(process.execPath, ["--import", "tsx", scriptPath], {
      cwd: fileURLToPath(new URL("..", import.meta.url)),
      env: { PATH: process.env.PATH ?? "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    supervisors.push(sup);
    const output: string[] = [];
    sup.stderr!.on("data", (chunk: Buffer) => output.push(chunk.toString()));
    const exited = once(sup, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
    const lines = createInterface({ input: sup.stdout! });
    lines.on("line", (line) => output.push(line));
    const ready = new Promise<{ pid: number; url: string }>((resolveReady) =>
      lines.on("line", (line) => line.startsWith("{") && resolveReady(JSON.parse(line))),
    );
    const child = await Promise.race([
      ready,
      exited.then(([code, signal]) => Promise.reject(new Error(`supervisor exited (${signal ?? code}):\n${output.join("\n")}`))),
    ]);
    return { sup, exited, output, ...child };
  }

  it("SIGKILL of the supervisor: the Bun child exits, frees the port, and a restart on that port starts", async () => {
    const dataDir = tempDir();
    const apiKey = "supervisor-test-key-1";
    const first = await startSupervisor({ STREAMS_API_KEY: apiKey, STREAMS_PORT: "0", STREAMS_DATA_DIR: dataDir });
    expect(pidAlive(first.pid)).toBe(true);
    const port = Number(new URL(first.url).port);
    await createStreamsClient({ baseUrl: first.url, apiKey }).ping();

    first.sup.kill("SIGKILL");
    expect((await first.exited)[1]).toBe("SIGKILL");
    // The child's stdin pipe reached end-of-file: it shuts down on its own (graceful, then hard).
    const guard = STREAMS_ORPHAN_GRACE_MS + 5_000;
    await waitUntil(() => !pidAlive(first.pid), guard, `Bun child ${first.pid} still running after its supervisor died`);
    await waitUntil(async () => !(await portAnswers(port)), guard, `port ${port} still taken`);

    const second = await startSupervisor({ STREAMS_API_KEY: apiKey, STREAMS_PORT: String(port), STREAMS_DATA_DIR: dataDir });
    try {
      expect(second.url).toBe(first.url);
      expect(second.pid).not.toBe(first.pid);
      await createStreamsClient({ baseUrl: second.url, apiKey }).ping();
    } finally {
      second.sup.kill("SIGTERM");
      await second.exited;
    }
  }, 60_000);

  it("SIGTERM of the supervisor stops the child gracefully and the supervisor exits 0", async () => {
    const sup = await startSupervisor({ STREAMS_API_KEY: "supervisor-test-key-2", STREAMS_PORT: "0", STREAMS_DATA_DIR: tempDir() });
    sup.sup.kill("SIGTERM");
    const [code, signal] = await sup.exited;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(sup.output.join("\n")).toMatch(/streams: SIGTERM, stopping/);
    expect(sup.output.join("\n")).not.toMatch(/exited unexpectedly/);
    // The supervisor waited for its child's exit before exiting itself.
    expect(pidAlive(sup.pid)).toBe(false);
  }, 40_000);

  it("stop() is still a graceful SIGTERM: exit code 0 and the server's own shutdown line", async () => {
    const server = await startStreamsServerProcess({ dataDir: tempDir() });
    const exit = await server.stop();
    expect(exit).toEqual({ code: 0, signal: null });
    expect(server.recentOutput()).toMatch(/received SIGTERM, shutting down prisma-streams server/);
    expect(server.recentOutput()).not.toMatch(/supervisor is gone/);
  }, 40_000);

  it("a port answered by another HTTP server fails the start instead of reporting listening", async () => {
    // The worst case: the foreign server answers 200 to everything, /health included.
    const foreign = createServer((_, res) => res.end("ok"));
    foreign.listen(0, "127.0.0.1");
    await once(foreign, "listening");
    const port = (foreign.address() as { port: number }).port;
    try {
      const start = startStreamsServerProcess({ dataDir: tempDir(), port });
      await expect(start).rejects.toThrow(new RegExp(`streams-server did not start: port ${port} is already in use by another process`));
      expect(await portAnswers(port)).toBe(true);
    } finally {
      await closeServer(foreign);
    }
  }, 40_000);

  it("a port held by another streams-server with the same key (an orphan) fails the second start", async () => {
    const running = await startStreamsServerProcess({ dataDir: tempDir() });
    try {
      const port = Number(new URL(running.url).port);
      const start = startStreamsServerProcess({ dataDir: tempDir(), port, apiKey: running.apiKey });
      await expect(start).rejects.toThrow(new RegExp(`port ${port} is already in use by another process`));
      await createStreamsClient({ baseUrl: running.url, apiKey: running.apiKey }).ping();
    } finally {
      await running.stop();
    }
  }, 40_000);
});

/** True while `pid` runs (a zombie waiting for a reaper counts as gone). */
function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // /proc/<pid>/stat: "pid (comm) STATE ..."; comm may contain spaces, so split after ")".
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return process.platform !== "linux";
  }
}

/** Whether something accepts TCP connections on 127.0.0.1:port. */
function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolveAnswer) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolveAnswer(true);
    });
    socket.once("error", () => resolveAnswer(false));
  });
}

/** Re-checks `condition` (another process's state: no event to await) until true; fails at the deadline. */
async function waitUntil(condition: () => boolean | Promise<boolean>, withinMs: number, message: string): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${message} (waited ${withinMs} ms)`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolveClose) => server.close(() => resolveClose()));
}

describe("streamsOptionsFromEnv", () => {
  it("maps the documented variables, with tuning defaults, and passes no unrelated secrets", () => {
    const options = streamsOptionsFromEnv({
      STREAMS_API_KEY: "0123456789",
      STREAMS_PORT: "9000",
      STREAMS_DATA_DIR: "/srv/streams",
      DS_SEGMENT_CHECK_MS: "50",
      DATABASE_URL: "postgres://secret",
      PATH: "/usr/bin",
    });
    expect(options).toMatchObject({ port: 9000, host: "127.0.0.1", dataDir: "/srv/streams", objectStore: "local", bootstrapFromR2: false, inheritEnv: false });
    expect(options.env).toEqual({ PATH: "/usr/bin", DS_INGEST_CONCURRENCY: "64", DS_INGEST_FLUSH_MS: "1", DS_SEGMENT_CHECK_MS: "50" });
  });

  it("passes the R2 variables through, defaults the sealing interval and bootstraps a new data dir", () => {
    const r2 = {
      DURABLE_STREAMS_R2_BUCKET: "b",
      DURABLE_STREAMS_R2_ACCOUNT_ID: "a",
      DURABLE_STREAMS_R2_ACCESS_KEY_ID: "k",
      DURABLE_STREAMS_R2_SECRET_ACCESS_KEY: "s",
      DURABLE_STREAMS_R2_ENDPOINT: "http://127.0.0.1:9999",
    };
    const options = streamsOptionsFromEnv({
      STREAMS_API_KEY: "0123456789",
      STREAMS_OBJECT_STORE: "r2",
      STREAMS_DATA_DIR: "/nonexistent/streams-data",
      DS_INGEST_FLUSH_MS: "5",
      ...r2,
    });
    expect(options.objectStore).toBe("r2");
    expect(options.bootstrapFromR2).toBe(true);
    expect(options.env).toMatchObject({ ...r2, DS_SEGMENT_MAX_INTERVAL_MS: "500", DS_INGEST_FLUSH_MS: "5", DS_INGEST_CONCURRENCY: "64" });
  });

  it("lists every configuration problem at once", () => {
    expect(() => streamsOptionsFromEnv({ STREAMS_PORT: "http", STREAMS_OBJECT_STORE: "r2", DS_INGEST_FLUSH_MS: "soon" })).toThrow(
      /STREAMS_API_KEY[\s\S]*STREAMS_PORT[\s\S]*DURABLE_STREAMS_R2_BUCKET[\s\S]*DS_INGEST_FLUSH_MS/,
    );
    expect(() => streamsOptionsFromEnv({ STREAMS_API_KEY: "0123456789", STREAMS_OBJECT_STORE: "s3" })).toThrow(/local or r2/);
  });
});
