/**
 * The context budget's trimming rule, on examples and as properties over seeded random chats:
 * within budget, system prompt first, newest turns kept contiguously, never starting with an
 * answer, the newest user message always there (cut from the start when it alone is too long).
 */
import type { ChatMessage } from "@open-chat/shared";
import { seededRandom } from "@open-chat/testing";
import { describe, expect, it } from "vitest";
import {
  estimateMessageTokens,
  estimatePromptTokens,
  estimateTextTokens,
  fitToBudget,
  inputBudget,
  keepEnd,
  MIN_NEWEST_USER_TOKENS,
  REPLY_PRIMING_TOKENS,
  TOKENS_PER_MESSAGE,
} from "../src/generation/context-budget.js";
import type { PromptMessage } from "../src/generation/model-client.js";
import { buildPrompt } from "../src/generation/prompt.js";

const user = (content: string): PromptMessage => ({ role: "user", content });
const assistant = (content: string): PromptMessage => ({ role: "assistant", content });
const system = (content: string): PromptMessage => ({ role: "system", content });

describe("token estimate", () => {
  it("is ceil(UTF-8 bytes / 3) per text, + 4 per message, + 3 per prompt", () => {
    expect(estimateTextTokens("")).toBe(0);
    expect(estimateTextTokens("abcd")).toBe(2);
    expect(estimateTextTokens("日本語")).toBe(3); // 9 bytes
    expect(estimateTextTokens("😀")).toBe(2); // 4 bytes
    expect(estimateMessageTokens(user("abc"))).toBe(1 + TOKENS_PER_MESSAGE);
    expect(estimatePromptTokens([user("abc"), assistant("abcdef")])).toBe(REPLY_PRIMING_TOKENS + 5 + 6);
  });

  it("gives the prompt the window less the answer", () => {
    expect(inputBudget({ contextTokens: 16_000, maxOutputTokens: 1_024 })).toBe(14_976);
    expect(inputBudget({ contextTokens: 1_000, maxOutputTokens: 2_000 })).toBe(0);
  });
});

describe("fitToBudget", () => {
  const history = [user("q1"), assistant("a1"), user("q2"), assistant("a2"), user("q3")];
  const cost = (messages: PromptMessage[]) => estimatePromptTokens(messages);

  it("keeps everything when it fits", () => {
    const prompt = fitToBudget(system("be brief"), history, 10_000);
    expect(prompt).toEqual([system("be brief"), ...history]);
  });

  it("drops the oldest whole turns first and never starts with an answer", () => {
    // Room for the system prompt and the two newest turns but not the third.
    const budget = cost([system("be brief"), ...history.slice(2)]) + 2;
    expect(fitToBudget(system("be brief"), history, budget)).toEqual([system("be brief"), user("q2"), assistant("a2"), user("q3")]);
    // One token short of the last full turn: the turn goes as a whole, its answer does not stay alone.
    expect(fitToBudget(system("be brief"), history, budget - 3)).toEqual([system("be brief"), user("q3")]);
  });

  it("keeps the history contiguous: a small old turn behind a big one is not picked", () => {
    const big = "x".repeat(3_000);
    const chat = [user("tiny"), assistant("tiny"), user(big), assistant(big), user("now")];
    expect(fitToBudget(undefined, chat, 200)).toEqual([user("now")]);
  });

  it("cuts the newest user message from the start when it alone is over the budget", () => {
    const long = "start " + "y".repeat(10_000) + " the question?";
    const prompt = fitToBudget(system("sys"), [user("old"), assistant("answer"), user(long)], 500);
    expect(prompt).toHaveLength(2);
    expect(prompt[0]).toEqual(system("sys"));
    expect(long.endsWith(prompt[1]!.content)).toBe(true);
    expect(prompt[1]!.content.endsWith(" the question?")).toBe(true);
    expect(cost(prompt)).toBeLessThanOrEqual(500);
  });

  it("keeps some of the newest user message even when the system prompt fills the budget", () => {
    const prompt = fitToBudget(system("s".repeat(3_000)), [user("z".repeat(3_000))], 100);
    expect(prompt[1]!.content).toBe("z".repeat(MIN_NEWEST_USER_TOKENS * 3));
  });

  it("drops answers that have no question before them", () => {
    expect(fitToBudget(undefined, [assistant("hello, how can I help?")], 1_000)).toEqual([]);
    expect(fitToBudget(undefined, [assistant("greeting"), user("hi")], 1_000)).toEqual([user("hi")]);
  });
});

describe("keepEnd", () => {
  it("never cuts a character in half", () => {
    const text = "😀日本".repeat(50);
    for (let tokens = 0; tokens < 40; tokens++) {
      const end = keepEnd(text, tokens);
      expect(text.endsWith(end)).toBe(true);
      expect(Buffer.byteLength(end)).toBeLessThanOrEqual(tokens * 3);
      expect(end).not.toMatch(/\uFFFD/);
    }
  });
});

describe("fitToBudget properties (seeded random chats)", () => {
  const alphabet = ["a", "b", " ", "é", "日", "😀", "\n"];
  const randomText = (rnd: () => number, maxLength: number) =>
    Array.from({ length: Math.floor(rnd() * maxLength) }, () => alphabet[Math.floor(rnd() * alphabet.length)]).join("");

  function check(seed: number) {
    const rnd = seededRandom(seed);
    const history: PromptMessage[] = [];
    const length = 1 + Math.floor(rnd() * 30);
    for (let i = 0; i < length; i++) history.push(rnd() < 0.55 ? user(randomText(rnd, 400)) : assistant(randomText(rnd, 600)));
    history.push(user(randomText(rnd, rnd() < 0.1 ? 5_000 : 300))); // the message being answered
    const sys = rnd() < 0.7 ? system(randomText(rnd, 300)) : undefined;
    const budget = Math.floor(rnd() * 3_000);

    const prompt = fitToBudget(sys, history, budget);
    const head = sys ? [sys] : [];
    expect(prompt.slice(0, head.length)).toEqual(head);
    const kept = prompt.slice(head.length);
    const newest = history.at(-1)!;

    // The newest user message is always there, last, whole or cut from the start.
    expect(kept.at(-1)!.role).toBe("user");
    expect(newest.content.endsWith(kept.at(-1)!.content)).toBe(true);
    // Never starts with an answer.
    expect(kept[0]!.role).toBe("user");

    if (kept.at(-1)!.content !== newest.content) {
      // Cut: only the newest message is kept, as much of it as the budget (or the floor) allows.
      expect(kept).toHaveLength(1);
      const room = Math.max(budget - estimatePromptTokens(head) - TOKENS_PER_MESSAGE, MIN_NEWEST_USER_TOKENS);
      expect(estimateTextTokens(kept[0]!.content)).toBeLessThanOrEqual(room);
      return;
    }
    // A contiguous suffix of the history.
    expect(kept).toEqual(history.slice(history.length - kept.length));
    // Within budget (unless only the untouched newest message is there: then it fitted, or was cut above).
    expect(estimatePromptTokens(prompt)).toBeLessThanOrEqual(Math.max(budget, estimatePromptTokens([...head, newest])));
    // Maximal: the turn before the kept ones would not fit (or starts with an answer).
    const before = history.slice(0, history.length - kept.length);
    const start = before.findLastIndex((m) => m.role === "user");
    if (start >= 0) expect(estimatePromptTokens([...prompt, ...before.slice(start)])).toBeGreaterThan(budget);
  }

  it("holds for 500 seeded chats", () => {
    for (let seed = 1; seed <= 500; seed++) {
      try {
        check(seed);
      } catch (error) {
        throw new Error(`seed ${seed}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  });
});

describe("buildPrompt", () => {
  const message = (id: string, role: "user" | "assistant", text: string, status: ChatMessage["status"] = "completed") =>
    ({ id, role, text, status }) as ChatMessage;

  it("leaves out the answer being generated, failed and empty answers, then fits the budget", () => {
    const messages = [
      message("u1", "user", "first"),
      message("a1", "assistant", "broken", "error"),
      message("u2", "user", "second"),
      message("a2", "assistant", "", "stopped"),
      message("u3", "user", "third"),
      message("a3", "assistant", "", "streaming"),
    ];
    expect(buildPrompt(messages, { systemPrompt: "sys", excludeMessageId: "a3", inputTokens: 10_000 })).toEqual([
      system("sys"),
      user("first"),
      user("second"),
      user("third"),
    ]);
    expect(buildPrompt(messages, { excludeMessageId: "a3", inputTokens: estimatePromptTokens([user("third")]) })).toEqual([user("third")]);
  });
});
