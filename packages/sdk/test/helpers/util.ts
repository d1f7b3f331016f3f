import type { ChatStorage, TailMessage, TailState } from "../../src/index.js";

/** Deterministic PRNG so "random" cut points repeat run to run. */
export { seededRandom as seeded } from "@open-chat/testing";

/** The guest token a client stored (tests read the server's log with it). */
export async function storedToken(storage: ChatStorage & { entries: ReadonlyMap<string, string> }): Promise<string> {
  for (const [key, value] of storage.entries) if (key.endsWith(":token")) return value;
  throw new Error("no token stored");
}

export const assistants = (state: TailState) => state.messages.filter((m) => m.role === "assistant");
export const users = (state: TailState) => state.messages.filter((m) => m.role === "user");
export const isDone = (m: TailMessage | undefined) => m !== undefined && m.status !== "streaming" && m.status !== "pending";
/** Every assistant message has ended and there are `count` of them. */
export const answered = (count: number) => (state: TailState) => assistants(state).length === count && assistants(state).every(isDone);
