/** The server-wide model policy from the environment: ALLOWED_MODELS, MAX_OUTPUT_TOKENS, CONTEXT_TOKENS. */
import { describe, expect, it } from "vitest";
import { configFromEnv } from "../src/config.js";

describe("model settings from the environment", () => {
  it("defaults to the default model only, 1024 output tokens and a 16,000-token window", () => {
    expect(configFromEnv({}).settings.models).toEqual({ allowed: [], maxOutputTokens: 1024, contextTokens: 16_000 });
  });

  it("reads a comma list of models and the two limits", () => {
    const config = configFromEnv({ MODEL: "openai/gpt-4o-mini", ALLOWED_MODELS: " openai/gpt-4o , anthropic/claude-3.5-haiku,,", MAX_OUTPUT_TOKENS: "500", CONTEXT_TOKENS: "128000" });
    expect(config.settings.models).toEqual({ allowed: ["openai/gpt-4o", "anthropic/claude-3.5-haiku"], maxOutputTokens: 500, contextTokens: 128_000 });
  });

  it("rejects bad values with the variable's name", () => {
    expect(() => configFromEnv({ ALLOWED_MODELS: "good,has space" })).toThrow(/^ALLOWED_MODELS: model names are/);
    expect(() => configFromEnv({ MAX_OUTPUT_TOKENS: "0" })).toThrow(/^MAX_OUTPUT_TOKENS:/);
    expect(() => configFromEnv({ MAX_OUTPUT_TOKENS: "many" })).toThrow(/MAX_OUTPUT_TOKENS must be a non-negative integer/);
    expect(() => configFromEnv({ CONTEXT_TOKENS: "100" })).toThrow(/^CONTEXT_TOKENS:/);
    expect(() => configFromEnv({ MAX_OUTPUT_TOKENS: "4000", CONTEXT_TOKENS: "4000" })).toThrow(/MAX_OUTPUT_TOKENS \(4000\) must be less than CONTEXT_TOKENS \(4000\)/);
  });
});
