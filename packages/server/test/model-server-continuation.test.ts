/**
 * Assistant-prefix continuation on our model server, through the real `openai` SDK over loopback
 * HTTP: a request whose last message is the partial assistant answer gets exactly the rest of the
 * reply the uninterrupted request would have had (what a taken-over generation relies on).
 */
import OpenAI from "openai";
import type { ChatCompletionMessageParam } from "openai/resources/chat/completions";
import { afterEach, describe, expect, it } from "vitest";
import { continueAfter } from "../src/model-server/continuation.js";
import { type ModelServer, type ReplyScript, startModelServer, tokenize } from "../src/model-server/index.js";

const servers: ModelServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function start(): Promise<{ server: ModelServer; openai: OpenAI }> {
  const server = await startModelServer();
  servers.push(server);
  return { server, openai: new OpenAI({ baseURL: server.url, apiKey: "test", maxRetries: 0 }) };
}

/** Streams one completion; returns its content, usage and whether the connection broke. */
async function complete(openai: OpenAI, messages: ChatCompletionMessageParam[]) {
  const stream = await openai.chat.completions.create({ model: "m", stream: true, stream_options: { include_usage: true }, messages });
  const contents: string[] = [];
  let usage: OpenAI.CompletionUsage | undefined;
  let broken = false;
  try {
    for await (const chunk of stream) {
      const content = chunk.choices[0]?.delta.content;
      if (content) contents.push(content);
      if (chunk.usage) usage = chunk.usage;
    }
  } catch {
    broken = true;
  }
  return { text: contents.join(""), chunks: contents.length, usage, broken };
}

const user = (content: string): ChatCompletionMessageParam => ({ role: "user", content });
const partial = (content: string): ChatCompletionMessageParam => ({ role: "assistant", content });

describe("assistant-prefix continuation", () => {
  const text = "The quick brown fox jumps over the lazy dog, then naps in the warm afternoon sun.";

  it("continues a scripted reply cut by a crash so that both parts equal the whole", async () => {
    const { server, openai } = await start();
    const script: ReplyScript = { text, failure: { kind: "abort", afterTokens: 6 } };
    server.enqueue(script);
    const first = await complete(openai, [user("tell me")]);
    expect(first.broken).toBe(true);
    expect(first.chunks).toBe(6);

    server.enqueue({ text }); // the same script, asked again by whoever takes the turn over
    const rest = await complete(openai, [user("tell me"), partial(first.text)]);

    expect(rest.broken).toBe(false);
    expect(first.text + rest.text).toBe(text);
    expect(rest.chunks).toBe(tokenize(text).length - 6);
    expect(rest.usage?.completion_tokens).toBe(rest.chunks);
  });

  it("continues from a prefix that ends in the middle of a token", async () => {
    const { server, openai } = await start();
    const cut = text.indexOf("jumps") + 2; // "...fox ju" | "mps over..."
    server.enqueue({ text });
    const rest = await complete(openai, [user("tell me"), partial(text.slice(0, cut))]);
    expect(rest.text).toBe(text.slice(cut));
  });

  it("continues a [[tokens:N]] answer without a script and keeps the directive's cut point", async () => {
    const { openai } = await start();
    const whole = await complete(openai, [user("long please [[tokens:40]]")]);
    expect(whole.chunks).toBe(40);
    const prefix = tokenize(whole.text).slice(0, 17).join("");

    const rest = await complete(openai, [user("long please [[tokens:40]]"), partial(prefix)]);
    expect(prefix + rest.text).toBe(whole.text);
    expect(rest.chunks).toBe(23);

    // [[fail:abort:30]] cuts the whole reply after chunk 30: a continuation from chunk 17 is cut
    // after 13 more, and a continuation from past the cut point completes.
    const again = await complete(openai, [user("long please [[tokens:40]] [[fail:abort:30]]"), partial(prefix)]);
    expect(again).toMatchObject({ broken: true, chunks: 13 });
    const past = tokenize(whole.text).slice(0, 31).join("");
    const after = await complete(openai, [user("long please [[tokens:40]] [[fail:abort:30]]"), partial(past)]);
    expect(after.broken).toBe(false);
    expect(past + after.text).toBe(whole.text);
  });

  it("answers in full when the prefix is not the start of the planned reply", async () => {
    const { server, openai } = await start();
    server.enqueue({ text });
    const reply = await complete(openai, [user("tell me"), partial("Something else entirely")]);
    expect(reply.text).toBe(text);
  });

  it("treats a conversation whose last message is the user's as an ordinary turn", async () => {
    const { server, openai } = await start();
    server.enqueue({ text });
    const reply = await complete(openai, [user("a"), partial("The quick"), user("b")]);
    expect(reply.text).toBe(text);
  });
});

describe("continueAfter", () => {
  it("splits a token list after every possible prefix so that prefix + rest is the whole", () => {
    const tokens = tokenize("  Hello,  wide\tworld!\nBye ");
    const whole = tokens.join("");
    for (let cut = 0; cut <= whole.length; cut += 1) {
      const result = continueAfter(tokens, whole.slice(0, cut));
      expect(result, `cut ${cut}`).toBeDefined();
      expect(whole.slice(0, cut) + (result?.tokens.join("") ?? "")).toBe(whole);
      expect(result?.tokens.every((token) => token.length > 0)).toBe(true);
    }
    expect(continueAfter(tokens, "nope")).toBeUndefined();
  });
});
