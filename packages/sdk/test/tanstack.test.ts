/**
 * The TanStack DB entry against the real server: the chat list and live messages as
 * collections, a live query joining them that follows an answer while it streams, and chat
 * mutations through the collection.
 */
import { createCollection, createLiveQueryCollection, eq } from "@tanstack/db";
import { afterAll, afterEach, beforeAll, expect, test } from "vitest";
import { createChatClient, memoryStorage } from "../src/index.js";
import { chatCollectionOptions, messageCollectionOptions } from "../src/tanstack.js";
import { startTestServer, type TestServer } from "@open-chat/testing";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ gateModel: true });
});
afterAll(async () => {
  await server?.close();
});
afterEach(() => server?.modelGate?.open()); // a failed test never leaves the next one's answer held

/** Resolves when `check()` holds after a change of `collection` (or already holds). */
function when(collection: { subscribeChanges(cb: () => void): { unsubscribe(): void } }, check: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    if (check()) return resolve();
    const subscription = collection.subscribeChanges(() => {
      if (!check()) return;
      subscription.unsubscribe();
      resolve();
    });
  });
}

test("a live query joins the chat list with live message state", async () => {
  const client = createChatClient({ baseUrl: server.url, storage: memoryStorage() });
  const first = await client.createChat({ title: "first" });
  const second = await client.createChat({ title: "second" });

  const chats = createCollection(chatCollectionOptions({ client }));
  await chats.preload();
  expect([...chats.values()].map((c) => c.title).sort()).toEqual(["first", "second"]);

  const messages = createCollection(messageCollectionOptions({ client, chatIds: [first.id, second.id] }));
  await messages.preload();
  const streaming = createLiveQueryCollection((q) =>
    q
      .from({ chat: chats })
      .join({ message: messages }, ({ chat, message }) => eq(chat.id, message.chatId), "inner")
      .where(({ message }) => eq(message.status, "streaming"))
      .select(({ chat, message }) => ({ title: chat.title, text: message.text })),
  );
  const transcript = createLiveQueryCollection((q) =>
    q
      .from({ message: messages })
      .where(({ message }) => eq(message.chatId, second.id))
      .orderBy(({ message }) => message.position)
      .select(({ message }) => ({ role: message.role, text: message.text, status: message.status })),
  );
  await Promise.all([streaming.preload(), transcript.preload()]);

  // The gate holds the answer after its first words, so "streaming" is a state the test is
  // sure to see rather than one a fast answer might skip.
  server.modelGate!.hold();
  const sent = messages.utils.send(second.id, "hello [[tokens:60]]");
  // The optimistic user message shows before the server has answered.
  expect(transcript.toArray[0]).toMatchObject({ role: "user", status: "pending" });
  await sent;
  await server.modelGate!.releaseText(1);
  await when(streaming, () => streaming.size === 1 && streaming.toArray[0]!.text.length > 0);
  expect(streaming.toArray[0]!.title).toBe("second");
  server.modelGate!.open();
  await when(transcript, () => transcript.toArray.at(-1)?.status === "completed");
  expect(streaming.size).toBe(0);
  expect(transcript.toArray.map((m) => [m.role, m.status])).toEqual([
    ["user", "completed"],
    ["assistant", "completed"],
  ]);
  expect(transcript.toArray[1]!.text.split(" ").filter(Boolean).length).toBe(60);
  expect(messages.utils.connection(second.id)?.status).toBe("live");
  await Promise.all([streaming.cleanup(), transcript.cleanup()]);
  await messages.cleanup();
});

test("chat mutations through the collection reach the server", async () => {
  const client = createChatClient({ baseUrl: server.url, storage: memoryStorage() });
  const chats = createCollection(chatCollectionOptions({ client, id: "mutations" }));
  await chats.preload();
  const before = chats.size;
  const created = await client.createChat({ title: "to rename" });
  await chats.utils.refresh();
  expect(chats.get(created.id)?.title).toBe("to rename");

  await chats.update(created.id, (draft) => {
    draft.title = "renamed";
  }).isPersisted.promise;
  expect((await client.getChat(created.id)).title).toBe("renamed");
  expect(chats.get(created.id)?.title).toBe("renamed");

  await chats.delete(created.id).isPersisted.promise;
  expect(chats.has(created.id)).toBe(false);
  expect((await client.listChats()).chats.some((c) => c.id === created.id)).toBe(false);
  expect(chats.size).toBe(before);
});
