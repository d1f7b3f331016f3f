import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { completionChunks } from "../src/generation/completion-chunks.js";
import { classifyModelError } from "../src/generation/model-client.js";

const encoder = new TextEncoder();

/** A response whose body arrives in exactly these byte pieces; `cancelled` tells whether the reader gave up on it. */
function responseOf(pieces: Array<string | Uint8Array>) {
  const state = { cancelled: false, pulled: 0 };
  const queue = pieces.map((piece) => (typeof piece === "string" ? encoder.encode(piece) : piece));
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      state.pulled++;
      const next = queue.shift();
      if (next) controller.enqueue(next);
      else controller.close();
    },
    cancel() {
      state.cancelled = true;
    },
  });
  return { response: new Response(body, { headers: { "content-type": "text/event-stream", "x-request-id": "req-1" } }), state };
}

const chunk = (content: string, finish: string | null = null) =>
  `data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: { content }, finish_reason: finish }] })}\n\n`;

async function all(response: Response) {
  const out: unknown[] = [];
  for await (const c of completionChunks(response)) out.push(c);
  return out;
}

const contents = (chunks: unknown[]) => chunks.map((c) => (c as OpenAI.ChatCompletionChunk).choices[0]?.delta.content);

describe("completionChunks", () => {
  it("yields every chunk, whatever byte boundaries the body arrives in (mid-frame, mid-character)", async () => {
    const text = chunk("Grüße ") + chunk("🙂 done", "stop") + "data: [DONE]\n\n";
    const bytes = encoder.encode(text);
    const pieces = Array.from({ length: bytes.length }, (_, i) => bytes.slice(i, i + 1)); // one byte at a time
    const { response } = responseOf(pieces);
    expect(contents(await all(response))).toEqual(["Grüße ", "🙂 done"]);
  });

  it("stops at [DONE]: what follows is neither parsed nor read", async () => {
    const { response, state } = responseOf([chunk("a") + "data: [DONE]\n\n", "data: {not json\n\n", chunk("never")]);
    expect(contents(await all(response))).toEqual(["a"]);
    expect(state.cancelled).toBe(true);
  });

  it("ends with the body when the provider closes without [DONE]", async () => {
    const { response, state } = responseOf([chunk("a"), chunk("b")]);
    expect(contents(await all(response))).toEqual(["a", "b"]);
    expect(state.cancelled).toBe(false);
  });

  it("a mid-answer error payload throws the SDK's APIError (no status: retryable model_unavailable), after the chunks before it", async () => {
    const { response } = responseOf([chunk("a"), `data: ${JSON.stringify({ error: { message: "upstream overloaded", code: 502 } })}\n\n`, chunk("b")]);
    const seen: unknown[] = [];
    const error = await (async () => {
      for await (const c of completionChunks(response)) seen.push(c);
    })().catch((e: unknown) => e);
    expect(contents(seen)).toEqual(["a"]);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBeUndefined();
    expect((error as InstanceType<typeof OpenAI.APIError>).message).toContain("upstream overloaded");
    expect(classifyModelError(error)).toMatchObject({ code: "model_unavailable", retryable: true });
  });

  it("an `event: error` frame throws too", async () => {
    const { response } = responseOf([`event: error\ndata: ${JSON.stringify({ message: "quota" })}\n\n`]);
    await expect(all(response)).rejects.toBeInstanceOf(OpenAI.APIError);
  });

  it("a frame that is not JSON throws a SyntaxError and releases the body", async () => {
    const { response, state } = responseOf(["data: {oops\n\n", chunk("b")]);
    await expect(all(response)).rejects.toBeInstanceOf(SyntaxError);
    expect(state.cancelled).toBe(true);
  });

  it("a consumer that stops early cancels the body (the connection is not left half-read)", async () => {
    const { response, state } = responseOf([chunk("a"), chunk("b"), chunk("c")]);
    for await (const c of completionChunks(response)) {
      expect(contents([c])).toEqual(["a"]);
      break;
    }
    expect(state.cancelled).toBe(true);
    expect(state.pulled).toBeLessThan(4);
  });

  it("a response without a body throws (the SDK's rule), classified as a retryable model_unavailable", async () => {
    const error = await all(new Response(null)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.OpenAIError);
    expect(classifyModelError(error)).toMatchObject({ code: "model_unavailable", retryable: true });
  });

  it("comments and blank keep-alive lines are ignored", async () => {
    const { response } = responseOf([": OPENROUTER PROCESSING\n\n", chunk("a"), ": ping\n\n", "data: [DONE]\n\n"]);
    expect(contents(await all(response))).toEqual(["a"]);
  });
});
