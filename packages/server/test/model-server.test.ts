/**
 * The model server against the real `openai` SDK over real loopback HTTP: what the production
 * generation path will see. No sleeps: every wait is on a response, a chunk or a request event.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import OpenAI, { APIError } from "openai";
import type { ChatCompletionChunk } from "openai/resources/chat/completions";
import { afterEach, describe, expect, it } from "vitest";
import { type ModelServer, type ModelServerOptions, startModelServer, tokenize } from "../src/model-server/index.js";

const servers: ModelServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function start(options?: ModelServerOptions): Promise<ModelServer> {
  const server = await startModelServer(options);
  servers.push(server);
  return server;
}

/** No retries: a scripted failure must reach the test, not be papered over by the SDK. */
function client(server: ModelServer, apiKey = "test"): OpenAI {
  return new OpenAI({ baseURL: server.url, apiKey, maxRetries: 0 });
}

function streamChat(openai: OpenAI, content: string, signal?: AbortSignal) {
  return openai.chat.completions.create(
    { model: "gpt-test", stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content }] },
    { signal },
  );
}

/** Iterate a stream, keeping every chunk, and report how it ended instead of throwing. */
async function drain(stream: AsyncIterable<ChatCompletionChunk>, onContent?: (count: number) => void) {
  const chunks: ChatCompletionChunk[] = [];
  const contents: string[] = [];
  let error: unknown;
  try {
    for await (const chunk of stream) {
      chunks.push(chunk);
      const content = chunk.choices[0]?.delta.content;
      if (content) {
        contents.push(content);
        onContent?.(contents.length);
      }
    }
  } catch (caught) {
    error = caught;
  }
  return { chunks, contents, error };
}

describe("streaming a scripted reply", () => {
  it("sends the text as ordered chunks, then stop, usage and [DONE]", async () => {
    const server = await start();
    const text = "Hello, streaming world!\n  Two spaces, a tab\there, and the end. ";
    server.enqueue({ text });

    const { chunks, contents, error } = await drain(await streamChat(client(server), "one two three"));

    expect(error).toBeUndefined();
    expect(contents).toEqual(tokenize(text));
    expect(contents.join("")).toBe(text);
    expect(chunks[0]?.choices[0]?.delta.role).toBe("assistant");
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("stop");
    const last = chunks.at(-1);
    expect(last?.choices).toEqual([]);
    expect(last?.usage).toEqual({
      prompt_tokens: 3,
      completion_tokens: contents.length,
      total_tokens: 3 + contents.length,
    });
    expect(new Set(chunks.map((chunk) => chunk.id)).size).toBe(1);
    expect(chunks.every((chunk) => chunk.object === "chat.completion.chunk" && chunk.model === "gpt-test")).toBe(true);
  });

  it("sends exact tokens on a real timer and honours scripted usage", async () => {
    const server = await start();
    server.enqueue({ tokens: ["al", "pha", " be", "ta"], tokenDelayMs: 2, usage: { prompt_tokens: 11 } });

    const { chunks, contents } = await drain(await streamChat(client(server), "x"));

    expect(contents).toEqual(["al", "pha", " be", "ta"]);
    expect(chunks.at(-1)?.usage).toEqual({ prompt_tokens: 11, completion_tokens: 4, total_tokens: 15 });
  });

  it("consumes scripts first in, first out, then falls back to the default echo", async () => {
    const server = await start();
    server.enqueue({ text: "first" });
    server.enqueue({ text: "second" });
    const openai = client(server);

    const replies: string[] = [];
    for (let i = 0; i < 3; i++) replies.push((await drain(await streamChat(openai, "ping  pong"))).contents.join(""));

    expect(replies.slice(0, 2)).toEqual(["first", "second"]);
    expect(replies[2]).toMatch(/^You said: "ping pong"\. /);
    expect(tokenize(replies[2] ?? "").length).toBeGreaterThan(20);
  });

  it("leaves out the usage chunk unless include_usage is asked for", async () => {
    const server = await start({ defaultReply: () => "short answer" });
    const stream = await client(server).chat.completions.create({
      model: "m",
      stream: true,
      messages: [{ role: "user", content: "hi" }],
    });
    const { chunks, contents } = await drain(stream);
    expect(contents.join("")).toBe("short answer");
    expect(chunks.every((chunk) => chunk.usage === undefined && chunk.choices.length === 1)).toBe(true);
  });
});

describe("prompt directives", () => {
  it("[[tokens:N]] gives exactly N content chunks, and the directive is not echoed", async () => {
    const server = await start();
    const { chunks, contents } = await drain(await streamChat(client(server), "write a lot [[tokens:500]]"));
    expect(contents).toHaveLength(500);
    expect(chunks.at(-1)?.usage?.completion_tokens).toBe(500);
    // The same directive twice gives the same answer: deterministic.
    const again = await drain(await streamChat(client(server), "[[tokens:500]]"));
    expect(again.contents).toEqual(contents);
  });

  it("[[delay:MS]] combines with other directives", async () => {
    const server = await start();
    const { contents } = await drain(await streamChat(client(server), "[[delay:1]] [[tokens:5]]"));
    expect(contents).toHaveLength(5);
  });

  it("[[fail:http:503]] makes the SDK throw an APIError with that status", async () => {
    const server = await start();
    const failure = streamChat(client(server), "please [[fail:http:503]]");
    await expect(failure).rejects.toBeInstanceOf(APIError);
    await expect(failure).rejects.toMatchObject({ status: 503, type: "server_error" });
  });

  it("[[fail:abort:N]] cuts the stream after N chunks", async () => {
    const server = await start();
    const { contents, error } = await drain(await streamChat(client(server), "[[tokens:50]] [[fail:abort:10]]"));
    expect(contents).toHaveLength(10);
    expect(error).toBeInstanceOf(Error);
  });

  it("echoes malformed directives as plain text", async () => {
    const server = await start();
    const { contents } = await drain(await streamChat(client(server), "[[tokens:lots]] [[fail:http:200]]"));
    expect(contents.join("")).toMatch(/^You said: "\[\[tokens:lots\]\] \[\[fail:http:200\]\]"/);
  });
});

describe("scripted failures", () => {
  it("http: the SDK throws an APIError carrying status and message", async () => {
    const server = await start();
    server.enqueue({ failure: { kind: "http", status: 429, message: "slow down" } });
    await expect(streamChat(client(server), "hi")).rejects.toMatchObject({ status: 429, message: expect.stringContaining("slow down") });
    // The script was consumed: the next request is answered normally.
    const { error } = await drain(await streamChat(client(server), "hi"));
    expect(error).toBeUndefined();
  });

  it("abort: iteration throws after exactly N content chunks", async () => {
    const server = await start();
    server.enqueue({ text: "one two three four five six seven eight nine ten", failure: { kind: "abort", afterTokens: 4 } });

    const { chunks, contents, error } = await drain(await streamChat(client(server), "hi"));

    expect(contents).toEqual(["one", " two", " three", " four"]);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(APIError);
    expect(chunks.some((chunk) => chunk.choices[0]?.finish_reason === "stop")).toBe(false);
  });

  it("stall: the client can abort, and close() still resolves", async () => {
    const server = await start();
    server.enqueue({ text: "a b c d e f", failure: { kind: "stall", afterTokens: 3 } });
    const controller = new AbortController();

    const { contents } = await drain(await streamChat(client(server), "hi", controller.signal), (count) => {
      if (count === 3) controller.abort();
    });

    expect(contents).toEqual(["a", " b", " c"]);
    await server.close();
  });

  it("stall: close() cuts a stream the client is still waiting on", async () => {
    const server = await start();
    server.enqueue({ text: "a b c d e f", failure: { kind: "stall", afterTokens: 2 } });
    let stalled!: () => void;
    const reachedStall = new Promise<void>((resolve) => (stalled = resolve));

    const reading = streamChat(client(server), "hi").then((stream) =>
      drain(stream, (count) => count === 2 && stalled()),
    );
    await reachedStall;
    await server.close();

    const { contents, error } = await reading;
    expect(contents).toEqual(["a", " b"]);
    expect(error).toBeInstanceOf(Error);
  });
});

describe("no leaked timers", () => {
  // A process with nothing left to do exits by itself; a leaked 60 s token timer would keep it
  // alive past the test timeout. That is the one leak check other timers (undici's, vitest's)
  // cannot blur, so it runs in a child process.
  it("a departed client and a closed server leave nothing running", async () => {
    const script = `
      import OpenAI from "openai";
      import { startModelServer } from ${JSON.stringify(new URL("../src/model-server/index.ts", import.meta.url).pathname)};
      const server = await startModelServer({ tokenDelayMs: 60_000 });
      const openai = new OpenAI({ baseURL: server.url, apiKey: "k", maxRetries: 0 });
      const ask = (signal) => openai.chat.completions.create(
        { model: "m", stream: true, messages: [{ role: "user", content: "hi" }] }, { signal });

      // 1. The client leaves while the server waits out a token delay.
      const controller = new AbortController();
      for await (const chunk of await ask(controller.signal)) controller.abort();

      // 2. The server closes while a client still waits on a token delay.
      const waiting = await ask();
      const reading = (async () => { for await (const chunk of waiting); })().catch(() => "cut");
      await server.waitForRequests(2);
      await server.close();
      console.log("done", await reading);
    `;
    const { code, stdout, stderr } = await runNode(["--import", "tsx", "--input-type=module", "-e", script]);
    expect(stderr).toBe("");
    expect(stdout.trim()).toBe("done cut");
    expect(code).toBe(0);
  }, 15_000);
});

describe("plain HTTP", () => {
  it("bad JSON gets a 400 with OpenAI's error JSON", async () => {
    const server = await start();
    const response = await fetch(`${server.url}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{not json",
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: { message: expect.any(String), type: "invalid_request_error", param: null, code: "invalid_json" },
    });
    expect(server.requests).toHaveLength(0);
  });

  it("a body without messages gets a 400 naming the parameter", async () => {
    const server = await start();
    const response = await fetch(`${server.url}/chat/completions`, { method: "POST", body: "{}" });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { param: "messages", code: "missing_required_parameter" } });
  });

  it("unknown routes get a 404 in the same shape", async () => {
    const server = await start();
    const response = await fetch(`${server.url}/embeddings`, { method: "POST", body: "{}" });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { type: "invalid_request_error", code: "unknown_url" } });
  });

  it("non-streaming requests get a whole chat.completion", async () => {
    const server = await start();
    server.enqueue({ text: "all at once" });
    const reply = await client(server).chat.completions.create({ model: "m", messages: [{ role: "user", content: "hi you" }] });
    expect(reply.object).toBe("chat.completion");
    expect(reply.choices[0]?.message).toMatchObject({ role: "assistant", content: "all at once" });
    expect(reply.choices[0]?.finish_reason).toBe("stop");
    expect(reply.usage).toEqual({ prompt_tokens: 2, completion_tokens: 3, total_tokens: 5 });
  });

  it("GET /v1/models lists the configured models", async () => {
    const server = await start({ models: ["small", "large"] });
    const page = await client(server).models.list();
    expect(page.data.map((model) => model.id)).toEqual(["small", "large"]);
  });
});

describe("apiKey", () => {
  it("rejects a wrong or missing key with 401 and accepts the right one", async () => {
    const server = await start({ apiKey: "sk-right" });

    const wrong = streamChat(client(server, "sk-wrong"), "hi");
    await expect(wrong).rejects.toMatchObject({ status: 401, code: "invalid_api_key" });
    const missing = await fetch(`${server.url}/models`);
    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({ error: { type: "invalid_request_error", code: "invalid_api_key" } });

    const { error } = await drain(await streamChat(client(server, "sk-right"), "hi"));
    expect(error).toBeUndefined();
    expect(server.requests).toHaveLength(1);
  });
});

describe("request recording", () => {
  it("waitForRequests resolves on arrival and requests keep bodies and headers", async () => {
    const server = await start();
    server.enqueue({ text: "x", failure: { kind: "stall", afterTokens: 0 } });
    const controller = new AbortController();
    const openai = client(server);

    // Not awaited: the request is still open (stalled) when waitForRequests resolves.
    const pending = streamChat(openai, "first question", controller.signal).then(drain, (error: unknown) => ({ error }));
    await server.waitForRequests(1);

    expect(server.requests[0]?.body.messages).toEqual([{ role: "user", content: "first question" }]);
    expect(server.requests[0]?.body).toMatchObject({ model: "gpt-test", stream: true, stream_options: { include_usage: true } });
    expect(server.requests[0]?.headers.authorization).toBe("Bearer test");
    controller.abort();
    await pending;

    const second = server.waitForRequests(2);
    await drain(await streamChat(openai, "second"));
    await second;
    expect(server.requests.map((request) => request.body.messages.at(-1)?.content)).toEqual(["first question", "second"]);
  });

  it("waitForRequests rejects when the server closes first", async () => {
    const server = await start();
    const waiting = server.waitForRequests(1);
    await server.close();
    await expect(waiting).rejects.toThrow(/closed/);
  });
});

function runNode(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const cwd = fileURLToPath(new URL("..", import.meta.url));
    // The kill timeout turns a hang into a clear failure and never leaves the child behind.
    const child = execFile(process.execPath, args, { cwd, timeout: 10_000 }, (error, stdout, stderr) => {
      if (error?.killed) reject(new Error(`child still running after 10 s (a leaked handle?)\n${stderr}`));
      else if (error && typeof error.code !== "number") reject(error);
      else resolve({ code: child.exitCode, stdout, stderr });
    });
  });
}
