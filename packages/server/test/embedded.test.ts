/**
 * Embedded mode, as `pnpm start` runs it: no DATABASE_URL and no STREAMS_URL on a clean data
 * folder (PGlite over the wire protocol, streams-local, our model server). Runs a turn, then
 * restarts on the same folder: the chat and its answer are still there.
 */
import { makeTempDir, removeDir, signInAsGuest } from "@open-chat/testing";
import { afterAll, expect, it } from "vitest";
import { configFromEnv } from "../src/config.js";
import { startServer } from "../src/runtime.js";
import { apiClient, assistantOf } from "./helpers/api.js";

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) removeDir(dir);
});

it("starts with everything embedded, runs a turn, and keeps it across a restart", async () => {
  const dataDir = makeTempDir("open-chat-embedded-");
  dirs.push(dataDir);
  const config = configFromEnv({ DATA_DIR: dataDir, PORT: "0", SHUTDOWN_GRACE_MS: "5000" });
  const lines: string[] = [];
  const first = await startServer(config, (line) => lines.push(line));
  let chatId: string;
  let token: string;
  let answer: string | undefined;
  try {
    expect(first.embedded).toEqual({ database: true, streams: true, model: true });
    expect(lines.join("\n")).toMatch(/NO MODEL PROVIDER CONFIGURED/);
    token = await signInAsGuest(first.url);
    const api = apiClient(first.url, token);
    chatId = (await api.createChat({ title: "embedded" })).id;
    const turn = (await api.send(chatId, { clientMessageId: "e1", text: "hello [[tokens:40]]" })).body;
    await first.services.generations.idle();
    const { events } = await api.readAll(chatId);
    const message = assistantOf(events, turn.assistantMessageId);
    expect(message?.status).toBe("completed");
    expect(message?.text.length).toBeGreaterThan(0);
    answer = message?.text;
  } finally {
    await first.close();
  }

  const second = await startServer(config, () => {});
  try {
    const api = apiClient(second.url, token);
    expect((await api.call("GET", `/v1/chats/${chatId}`)).body.title).toBe("embedded");
    const { events } = await api.readAll(chatId);
    const completed = events.filter((e) => e.type === "message.completed");
    expect(completed).toHaveLength(1);
    expect(assistantOf(events, completed[0]!.messageId)?.text).toBe(answer);
  } finally {
    await second.close();
  }
}, 120_000);

it("serves concurrent requests on embedded PGlite without mixing up their queries", async () => {
  const dataDir = makeTempDir("open-chat-embedded-");
  dirs.push(dataDir);
  // One guest sending 20 messages at once and 11 sign-ins from one address: past the real
  // per-user limits, which are not what this test is about.
  const limits = { RATE_SIGNINS_PER_MINUTE: "100", RATE_SENDS_PER_MINUTE: "100", MAX_RUNNING_ANSWERS_PER_USER: "0" };
  const server = await startServer(configFromEnv({ DATA_DIR: dataDir, PORT: "0", ...limits }), () => {});
  try {
    // Embedded means one process: the rate-limit counts live in its memory.
    expect(server.services.limits.counters.kind).toBe("memory");
    // Its log's SQLite commits saturate their thread sooner than a remote tier: it admits fewer running answers.
    expect(server.services.admission.cap).toBe(75);
    const api = apiClient(server.url, await signInAsGuest(server.url));
    // PGlite runs one session for every socket connection: interleaved extended-protocol
    // messages from parallel pool connections used to fail with 08P01.
    const chats = await Promise.all(Array.from({ length: 20 }, (_, i) => api.createChat({ title: `c${i}` })));
    const replies = await Promise.all([
      ...chats.map((chat, i) => api.send(chat.id, { clientMessageId: `m${i}`, text: "hi [[tokens:3]]" })),
      ...chats.map((chat) => api.call("PATCH", `/v1/chats/${chat.id}`, { title: "renamed" })),
      ...chats.map(() => api.call("GET", "/v1/chats?limit=5")),
      ...Array.from({ length: 10 }, () => signInAsGuest(server.url).then(() => ({ status: 200 }))),
    ]);
    expect(replies.map((r) => r.status).filter((s) => s >= 300)).toEqual([]);
    await server.services.generations.idle();
    const listed = (await api.call("GET", "/v1/chats?limit=100")).body.chats;
    expect(listed.map((c: { title: string }) => c.title)).toEqual(Array(20).fill("renamed"));
  } finally {
    await server.close();
  }
}, 120_000);

