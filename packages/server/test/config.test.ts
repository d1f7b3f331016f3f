import { describe, expect, it } from "vitest";
import { configFromEnv } from "../src/config.js";

describe("configFromEnv", () => {
  it("runs everything embedded by default", () => {
    const config = configFromEnv({});
    expect(config).toMatchObject({ host: "127.0.0.1", port: 3000, baseUrl: "http://127.0.0.1:3000", dataDir: ".data", defaultModel: "open-chat-local" });
    expect(config.databaseUrl ?? config.streamsUrl ?? config.model).toBeUndefined();
  });

  it("picks OpenRouter, then any OpenAI-compatible endpoint", () => {
    expect(configFromEnv({ OPENROUTER_API_KEY: "k" }).model).toMatchObject({ baseURL: "https://openrouter.ai/api/v1", apiKey: "k" });
    expect(configFromEnv({ OPENROUTER_API_KEY: "k" }).defaultModel).toBe("openai/gpt-4o-mini");
    expect(configFromEnv({ OPENAI_BASE_URL: "http://127.0.0.1:9/v1", OPENAI_API_KEY: "x", MODEL: "m" })).toMatchObject({
      model: { baseURL: "http://127.0.0.1:9/v1", apiKey: "x" },
      defaultModel: "m",
    });
  });

  it("rejects bad values with the variable's name", () => {
    // A bundler's BASE_URL="/" must not leak in: PUBLIC_URL is our name, and it must be absolute.
    expect(() => configFromEnv({ PUBLIC_URL: "/" })).toThrow(/PUBLIC_URL must be an absolute http\(s\) URL/);
    expect(configFromEnv({ BASE_URL: "/" }).baseUrl).toBe("http://127.0.0.1:3000");
    expect(configFromEnv({ PUBLIC_URL: "https://chat.example.com/ignored/path" }).baseUrl).toBe("https://chat.example.com");
    expect(() => configFromEnv({ PORT: "eighty" })).toThrow(/PORT must be a non-negative integer/);
    expect(() => configFromEnv({ GENERATION_IDLE_TIMEOUT_MS: "-5" })).toThrow(/GENERATION_IDLE_TIMEOUT_MS/);
    expect(configFromEnv({ TAIL_LONG_POLL_MS: "60000" }).settings.tail.longPollMs).toBe(5000);
    expect(configFromEnv({ TAIL_UPSTREAM: "long-poll" }).settings.tail.upstream).toBe("long-poll");
    expect(configFromEnv({}).settings.tail.upstream).toBeUndefined(); // runtime.ts picks by tier
    expect(() => configFromEnv({ TAIL_UPSTREAM: "websocket" })).toThrow(/TAIL_UPSTREAM must be "live" or "long-poll"/);
    expect(configFromEnv({}).settings.tail.parkAfterMs).toBe(60_000);
    expect(configFromEnv({ TAIL_PARK_AFTER_MS: "0" }).settings.tail.parkAfterMs).toBe(0); // never park
    expect(() => configFromEnv({ TAIL_PARK_AFTER_MS: "soon" })).toThrow(/TAIL_PARK_AFTER_MS must be a non-negative integer/);
    expect(configFromEnv({}).embeddedThreads).toBe(true);
    expect(configFromEnv({ EMBEDDED_THREADS: "off" }).embeddedThreads).toBe(false);
    expect(() => configFromEnv({ EMBEDDED_THREADS: "sometimes" })).toThrow(/EMBEDDED_THREADS must be on or off/);
    expect(configFromEnv({}).databasePreparedStatements).toBe(true);
    expect(configFromEnv({ DATABASE_PREPARED_STATEMENTS: "off" }).databasePreparedStatements).toBe(false);
    expect(() => configFromEnv({ DATABASE_PREPARED_STATEMENTS: "pgbouncer" })).toThrow(/DATABASE_PREPARED_STATEMENTS must be on or off/);
  });

  it("serves metrics only with METRICS_PORT: on 127.0.0.1 unless METRICS_HOST, a token of 16+ characters when given", () => {
    expect(configFromEnv({}).metrics).toBeUndefined();
    expect(configFromEnv({ METRICS_PORT: "" }).metrics).toBeUndefined();
    expect(configFromEnv({ METRICS_PORT: "9464" }).metrics).toEqual({ host: "127.0.0.1", port: 9464 });
    expect(configFromEnv({ METRICS_PORT: "0", METRICS_HOST: "0.0.0.0", METRICS_TOKEN: "t".repeat(16) }).metrics).toEqual({ host: "0.0.0.0", port: 0, token: "t".repeat(16) });
    expect(() => configFromEnv({ METRICS_PORT: "prometheus" })).toThrow(/METRICS_PORT must be a non-negative integer/);
    expect(() => configFromEnv({ METRICS_PORT: "70000" })).toThrow(/METRICS_PORT must be a port number/);
    expect(() => configFromEnv({ METRICS_PORT: "9464", METRICS_TOKEN: "short" })).toThrow(/METRICS_TOKEN must be at least 16 characters/);
    // A token or host without a port would silently serve nothing.
    expect(() => configFromEnv({ METRICS_TOKEN: "t".repeat(16) })).toThrow(/METRICS_TOKEN is set but METRICS_PORT is not/);
    expect(() => configFromEnv({ METRICS_HOST: "0.0.0.0" })).toThrow(/METRICS_HOST is set but METRICS_PORT is not/);
  });
});
