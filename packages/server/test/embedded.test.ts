/**
 * Embedded mode, as `pnpm start` runs it: no DATABASE_URL and no STREAMS_URL on a clean data
 * folder (PGlite over the wire protocol, streams-local, our model server). Runs a turn, then
 * restarts on the same folder: the chat and its answer are still there.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { configFromEnv } from "../src/config.js";
import { startServer } from "../src/runtime.js";
import { apiClient, assistantOf, signIn } from "./helpers/api.js";

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

it("starts with everything embedded, runs a turn, and keeps it across a restart", async () => {
  const dataDir = await mkdtemp(join(tmpdir(), "open-chat-embedded-"));
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
    token = await signIn(first.url);
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
