/**
 * A tenant's model policy: which models its end users may use, how long answers may be, the
 * system prompt and the context budget. Stored as JSON on the tenant row (validated here on
 * the way in and on the way out); anything unset falls back to the server's defaults
 * (`MODEL`, `ALLOWED_MODELS`, `MAX_OUTPUT_TOKENS`, `CONTEXT_TOKENS`, `SYSTEM_PROMPT`).
 */
import * as v from "valibot";

/** A model name as providers spell them (`openai/gpt-4o-mini`, `llama3:8b`); also what a chat or send may name. */
export const ModelName = v.pipe(v.string(), v.minLength(1), v.maxLength(200), v.regex(/^[\w./:@+-]+$/, "model names are letters, digits and _ . / : @ + -"));

export const ModelPolicySchema = v.strictObject({
  /** Model of chats and sends that name none. */
  defaultModel: v.optional(ModelName),
  /** Models a chat or send may name; the default model is always allowed. */
  allowedModels: v.optional(v.pipe(v.array(ModelName), v.maxLength(100))),
  /** Sent to the provider as `max_tokens`. */
  maxOutputTokens: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(200_000))),
  /** Prepended to every prompt. */
  systemPrompt: v.optional(v.pipe(v.string(), v.maxLength(20_000))),
  /** The model's context window in tokens: prompt + `maxOutputTokens` stay within it. */
  contextTokens: v.optional(v.pipe(v.number(), v.integer(), v.minValue(512), v.maxValue(10_000_000))),
});

/**
 * The policy as the admin API takes it: its fields, and an answer that leaves the prompt some
 * room when both sizes are given (the CLI and the environment check the same with their own
 * option names in the message).
 */
export const SizedModelPolicySchema = v.pipe(
  ModelPolicySchema,
  v.forward(
    v.check((p) => p.maxOutputTokens === undefined || p.contextTokens === undefined || p.maxOutputTokens < p.contextTokens, "maxOutputTokens must be less than contextTokens: the prompt needs room too"),
    ["maxOutputTokens"],
  ),
);

export type ModelPolicy = v.InferOutput<typeof ModelPolicySchema>;

export interface ResolvedModelPolicy {
  defaultModel: string;
  /** Always contains `defaultModel`. */
  allowedModels: string[];
  maxOutputTokens: number;
  systemPrompt?: string;
  contextTokens: number;
}

/** The server-wide defaults every tenant's policy starts from. */
export interface ModelPolicyDefaults {
  defaultModel: string;
  allowedModels: string[];
  maxOutputTokens: number;
  systemPrompt?: string;
  contextTokens: number;
}

export const DEFAULT_MAX_OUTPUT_TOKENS = 1024;
export const DEFAULT_CONTEXT_TOKENS = 16_000;

/** A stored policy that no longer validates (edited by hand) counts as empty, not as an outage. */
export function parseStoredPolicy(stored: unknown): ModelPolicy {
  const result = v.safeParse(ModelPolicySchema, stored ?? {});
  return result.success ? result.output : {};
}

export function resolvePolicy(policy: ModelPolicy, defaults: ModelPolicyDefaults): ResolvedModelPolicy {
  const defaultModel = policy.defaultModel ?? defaults.defaultModel;
  const allowed = policy.allowedModels ?? defaults.allowedModels;
  const systemPrompt = policy.systemPrompt ?? defaults.systemPrompt;
  return {
    defaultModel,
    allowedModels: [...new Set([defaultModel, ...allowed])],
    maxOutputTokens: policy.maxOutputTokens ?? defaults.maxOutputTokens,
    ...(systemPrompt ? { systemPrompt } : {}),
    contextTokens: policy.contextTokens ?? defaults.contextTokens,
  };
}
