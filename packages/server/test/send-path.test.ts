/**
 * The send path's cost and its exactly-once guarantees (invariant 4), against the real server,
 * Postgres and the Bun streams tier: a send makes a bounded number of database round trips
 * until its 202 (each one costs the app CPU), and copies of one send racing make one turn.
 */
import pg from "pg";
import { materialize } from "@open-chat/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signInAsGuest, startTestServer, type TestServer } from "@open-chat/testing";
import { apiClient } from "./helpers/api.js";
import { startStreamsBackend, type RunningStreamsBackend } from "./helpers/streams.js";

// Counts every statement the app sends over node-postgres (Prisma's adapter and the counters).
let queries = 0;
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  queries++;
  return (query as (...a: unknown[]) => unknown).apply(this, args);
} as typeof query;

describe("the send path", () => {
  let streams: RunningStreamsBackend;
  let server: TestServer;
  let api: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    streams = await startStreamsBackend("bun-server");
    server = await startTestServer({ streams: { url: streams.url, apiKey: streams.apiKey } });
    api = apiClient(server.url, await signInAsGuest(server.url));
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await streams?.stop();
  });

  it("makes at most 5 database round trips until the 202 of a send with a recently verified token (chat, turn and running answers; two counters; turn + lease; offset)", async () => {
    const chat = await api.createChat();
    // The first send of a user also checks the user's stream once per process: not measured.
    expect((await api.send(chat.id, { clientMessageId: "warm", text: "hi [[tokens:1]]" })).status).toBe(202);
    await server.idle();
    // The answer starts before the 202 (its model request overlaps the opening's append): the
    // model holds it silent, so every statement counted here is the send's own.
    const before = queries;
    const reply = await api.send(chat.id, { clientMessageId: "measured", text: "hi [[fail:stall:0]]" });
    const used = queries - before;
    expect(reply.status, JSON.stringify(reply.body)).toBe(202);
    expect(used).toBeLessThanOrEqual(5);
    expect((await api.call("POST", `/v1/chats/${chat.id}/stop`, {})).status).toBeLessThan(300);
    await server.idle();
  });

  it("turns copies of one send racing into one turn and one answer", async () => {
    const chat = await api.createChat();
    const replies = await Promise.all(Array.from({ length: 6 }, () => api.send(chat.id, { clientMessageId: "twice", text: "once [[tokens:3]]" })));
    const accepted = replies.filter((r) => r.status === 202);
    expect(accepted.length).toBeGreaterThan(0);
    for (const r of accepted) expect(r.body).toEqual(accepted[0]!.body);
    for (const r of replies.filter((r) => r.status !== 202)) expect(r.status, JSON.stringify(r.body)).toBe(409);
    await server.idle();
    const again = await api.send(chat.id, { clientMessageId: "twice", text: "once [[tokens:3]]" });
    expect(again.body).toEqual(accepted[0]!.body);
    const { events } = await api.readAll(chat.id);
    expect(materialize(events).messages.map((m) => [m.role, m.status])).toEqual([
      ["user", "completed"],
      ["assistant", "completed"],
    ]);
  });

  it("lets one of several different sends racing on a chat start its answer; the others are 409 and start nothing", async () => {
    const chat = await api.createChat();
    const replies = await Promise.all(Array.from({ length: 6 }, (_, i) => api.send(chat.id, { clientMessageId: `race-${i}`, text: `q${i} [[tokens:3]]` })));
    expect(replies.filter((r) => r.status === 202)).toHaveLength(1);
    for (const r of replies.filter((r) => r.status !== 202)) expect(r).toMatchObject({ status: 409, body: { error: { code: "generation_in_progress" } } });
    await server.idle();
    const { events } = await api.readAll(chat.id);
    expect(materialize(events).messages.map((m) => m.role)).toEqual(["user", "assistant"]);
  });
});
