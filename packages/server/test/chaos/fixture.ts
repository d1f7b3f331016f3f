/**
 * What every chaos suite runs against, outside the API processes it kills: a throwaway
 * Postgres database, a streams tier, our model server, and the environment that points
 * `open-chat serve` at them. The model server is deterministic, so `uninterrupted(prompt)` is
 * the text an answer must end with however often its process died.
 */
import { randomUUID } from "node:crypto";
import { createTestDatabase, type TestDatabase } from "@open-chat/testing";
import { afterAll, beforeAll } from "vitest";
import { applyMigrations } from "../../src/db/migrate.js";
import { startModelServer, type ModelServer, type ModelServerOptions } from "../../src/model-server/index.js";
import { startStreamsBackend, type RunningStreamsBackend, type StreamsBackendKind } from "../helpers/streams.js";

export interface ChaosFixture {
  database: TestDatabase;
  streams: RunningStreamsBackend;
  model: ModelServer;
  /** DATABASE_URL, STREAMS_URL, the model endpoint and a fixed AUTH_SECRET (tokens survive restarts). */
  env: Record<string, string>;
}

/** Starts the fixture before the suite and stops it after; returns a getter. */
export function useChaosFixture(model: ModelServerOptions = {}, tier: StreamsBackendKind = "embedded"): () => ChaosFixture {
  let fixture: ChaosFixture | undefined;
  beforeAll(async () => {
    const database = await createTestDatabase({ migrate: applyMigrations });
    const streams = await startStreamsBackend(tier);
    const server = await startModelServer(model);
    fixture = {
      database,
      streams,
      model: server,
      env: {
        DATABASE_URL: database.url,
        STREAMS_URL: streams.url,
        ...(streams.apiKey ? { STREAMS_API_KEY: streams.apiKey } : {}),
        // streams-local over HTTP is long-polled (it crashes when a stream is deleted under an
        // SSE read); the streams-server is followed over SSE, the production default.
        ...(tier === "embedded" ? { TAIL_UPSTREAM: "long-poll" } : {}),
        OPENAI_BASE_URL: server.url,
        OPENAI_API_KEY: "test",
        MODEL: "chaos-model",
        AUTH_SECRET: `chaos-${randomUUID()}`,
      },
    };
  }, 60_000);
  afterAll(async () => {
    await fixture?.model.close();
    await fixture?.streams.stop();
    await fixture?.database.drop();
  });
  return () => {
    if (!fixture) throw new Error("the chaos fixture is not running");
    return fixture;
  };
}

/** The answer the model gives `prompt` uninterrupted (a non-streaming request). */
export async function uninterrupted(model: ModelServer, prompt: string): Promise<string> {
  const response = await fetch(`${model.url}/chat/completions`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ model: "chaos-model", messages: [{ role: "user", content: prompt }] }),
  });
  return ((await response.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content;
}
