import { makeTempDir, removeDir } from "@open-chat/testing";
import { afterAll, describe, expect, it } from "vitest";
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
