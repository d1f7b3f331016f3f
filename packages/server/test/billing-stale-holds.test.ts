/**
 * Nothing stays reserved forever: a hold that no terminal event or takeover will end (a send
 * whose first append failed and was never retried; a settlement that failed) is ended by the
 * sweep once it is older than any answer can run — released, or settled with the turn's
 * recorded cost — while a running answer's hold is left alone.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestTenant, startTestServer, type TestServer } from "@open-chat/testing";
import { TENANT_ACCOUNT } from "../src/billing/ledger-types.js";
import { endStaleHolds } from "../src/billing/stale-holds.js";

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

it("releases a forgotten hold, settles one whose turn has a recorded cost, keeps a running answer's", async () => {
  const { prisma, ledger } = server.services;
  const site = await createTestTenant(server.services);
  const account = { tenantId: site.id, owner: TENANT_ACCOUNT };
  await ledger.credit(account, "grant", 1_000_000n, "start");
  const user = await prisma.user.create({ data: { id: "usr_stale", name: "", email: "stale@verified.invalid", tenantId: site.id } });
  const chat = await prisma.chat.create({ data: { id: "chat_stale", tenantId: site.id, userId: user.id } });
  const running = await prisma.chat.create({ data: { id: "chat_running", tenantId: site.id, userId: user.id, activeGenerationId: "msg_running" } });
  // A send that never started (its turn has no offset), an ended answer whose settlement failed,
  // and a running answer: 100 µUSD held for each.
  await prisma.turn.create({ data: { chatId: chat.id, clientMessageId: "c1", userMessageId: "msg_u1", assistantMessageId: "msg_never", offset: null } });
  for (const generation of ["msg_never", "msg_ended", "msg_running"]) await ledger.reserve(generation, [account], 100n);
  await prisma.turnUsage.create({ data: { generationId: "msg_ended", tenantId: site.id, userId: user.id, chatId: chat.id, model: "test-model", inputTokens: 3, outputTokens: 4, costMicroUsd: 40n, outcome: "completed" } });
  expect(await ledger.balance(account)).toMatchObject({ reservedMicroUsd: 300n });

  const deps = { prisma, ledger, clock: () => new Date() } as never;
  // Younger than the age limit: nothing happens.
  expect(await endStaleHolds(deps, { maxAgeMs: 60 * 60_000 })).toBe(0);
  await prisma.ledgerEntry.updateMany({ data: { createdAt: new Date(Date.now() - 2 * 60 * 60_000) } });

  expect(await endStaleHolds(deps, { maxAgeMs: 60 * 60_000 })).toBe(2);
  expect(await ledger.balance(account)).toEqual({ balanceMicroUsd: 1_000_000n - 40n, reservedMicroUsd: 100n, availableMicroUsd: 1_000_000n - 40n - 100n });
  // The send that never started is forgotten: its retry starts a new turn with a new hold.
  expect(await prisma.turn.count({ where: { assistantMessageId: "msg_never" } })).toBe(0);
  // Again: nothing left to end; the running answer still holds.
  expect(await endStaleHolds(deps, { maxAgeMs: 60 * 60_000 })).toBe(0);
  expect((await prisma.chat.findUniqueOrThrow({ where: { id: running.id } })).activeGenerationId).toBe("msg_running");
});
