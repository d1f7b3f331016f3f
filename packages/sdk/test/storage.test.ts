/** The exported storage layout and `clearStoredState` (log out). */
import { describe, expect, test } from "vitest";
import { clearStoredState, memoryStorage, storageKeys, type ChatStorage } from "../src/index.js";

describe("storage layout", () => {
  test("every key of a client starts with its prefix; a trailing slash is ignored", () => {
    const keys = storageKeys("https://chat.example.com/");
    expect(keys.prefix).toBe("open-chat:https://chat.example.com:");
    expect([keys.token, keys.outbox, keys.tail("c1")]).toEqual([
      "open-chat:https://chat.example.com:token",
      "open-chat:https://chat.example.com:outbox",
      "open-chat:https://chat.example.com:tail:c1",
    ]);
  });

  test("clearStoredState removes everything under the client's prefix and nothing else", async () => {
    const keys = storageKeys("https://a.example");
    const other = storageKeys("https://b.example");
    const storage = memoryStorage([
      [keys.token, "t"],
      [keys.outbox, "[]"],
      [keys.tail("c1"), "{}"],
      [`${keys.prefix}widget:current-chat`, "c1"],
      [other.token, "t2"],
      ["unrelated", "x"],
    ]);
    await clearStoredState(storage, "https://a.example/");
    expect([...storage.entries.keys()]).toEqual([other.token, "unrelated"]);
  });

  test("without keys(), the token and the outbox still go", async () => {
    const keys = storageKeys("https://a.example");
    const memory = memoryStorage([
      [keys.token, "t"],
      [keys.outbox, "[]"],
      [keys.tail("c1"), "{}"],
    ]);
    const storage: ChatStorage = { get: memory.get, set: memory.set, delete: memory.delete };
    await clearStoredState(storage, "https://a.example");
    expect([...memory.entries.keys()]).toEqual([keys.tail("c1")]);
  });
});
