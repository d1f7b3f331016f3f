/**
 * A tenant's settings as command-line flags, checked by the schemas the admin API validates
 * with (routes/admin/schemas.ts, tenants/policy.ts), so the CLI and the API accept the same
 * values. Errors name the flag the value came from.
 */
import * as v from "valibot";
import { UpdateTenant } from "../routes/admin/schemas.js";
import { ModelPolicySchema, type ModelPolicy } from "../tenants/policy.js";
import { integerOption, optionalOption, repeatedOption } from "./args.js";
import type { Args } from "./command.js";
import { CommandError } from "./errors.js";

/** The model policy flags (parseArgs options). */
export const MODEL_POLICY_OPTIONS = {
  "default-model": { type: "string" },
  "allowed-model": { type: "string", multiple: true },
  "max-output-tokens": { type: "string" },
  "context-tokens": { type: "string" },
  "system-prompt": { type: "string" },
} as const;

const MODEL_POLICY_FLAGS: Record<keyof ModelPolicy, string> = {
  defaultModel: "--default-model",
  allowedModels: "--allowed-model",
  maxOutputTokens: "--max-output-tokens",
  contextTokens: "--context-tokens",
  systemPrompt: "--system-prompt",
};

/** The policy fields given on the command line (only those), checked as the admin API checks them. */
export function modelPolicyOf(args: Args): ModelPolicy {
  const allowed = repeatedOption(args, "allowed-model");
  const candidate = {
    defaultModel: optionalOption(args, "default-model"),
    allowedModels: allowed.length ? allowed : undefined,
    maxOutputTokens: integerOption(args, "max-output-tokens"),
    contextTokens: integerOption(args, "context-tokens"),
    systemPrompt: optionalOption(args, "system-prompt"),
  };
  const given = Object.fromEntries(Object.entries(candidate).filter(([, value]) => value !== undefined));
  const checked = v.safeParse(ModelPolicySchema, given);
  if (!checked.success) {
    const issue = checked.issues[0];
    const key = issue.path?.[0]?.key as keyof ModelPolicy | undefined;
    throw new CommandError("invalid_request", `${(key && MODEL_POLICY_FLAGS[key]) || "model policy"}: ${issue.message}`);
  }
  return outputFitsContext(checked.output);
}

/**
 * The context window holds the prompt and the answer: a policy whose output budget fills it
 * leaves no room for the prompt (config.ts refuses the same of MAX_OUTPUT_TOKENS/CONTEXT_TOKENS).
 * Only a policy setting both is checked: the server's defaults are not known here.
 */
export function outputFitsContext(policy: ModelPolicy): ModelPolicy {
  const { maxOutputTokens, contextTokens } = policy;
  if (maxOutputTokens !== undefined && contextTokens !== undefined && maxOutputTokens >= contextTokens) {
    throw new CommandError("invalid_request", `--max-output-tokens (${maxOutputTokens}) must be less than --context-tokens (${contextTokens}): the prompt needs room too`);
  }
  return policy;
}

export type TenantPatch = v.InferOutput<typeof UpdateTenant>;

/** Flag names for the fields of an admin API tenant body, by path ("jwt.secret") or top-level field. */
export type PatchLabels = Record<string, string>;

const PATCH_LABELS: PatchLabels = {
  name: "--name",
  allowedOrigins: "--origin",
  provider: "--provider-base-url",
  "provider.baseUrl": "--provider-base-url",
  "jwt.jwksUrl": "--jwks-url",
  "jwt.issuer": "--jwt-issuer",
  "jwt.audience": "--jwt-audience",
  ...Object.fromEntries(Object.entries(MODEL_POLICY_FLAGS).map(([key, label]) => [`modelPolicy.${key}`, label])),
};

/** A tenant update checked by the admin API's own schema (`PATCH /v1/admin/tenants/:id`). */
export function checkedTenantPatch(candidate: v.InferInput<typeof UpdateTenant>, labels: PatchLabels = {}): TenantPatch {
  const checked = v.safeParse(UpdateTenant, candidate);
  if (checked.success) return checked.output;
  const issue = checked.issues[0];
  const path = (issue.path ?? []).map((item) => String(item.key));
  const all = { ...PATCH_LABELS, ...labels };
  const label = all[path.join(".")] ?? all[path[0] ?? ""] ?? "input";
  throw new CommandError("invalid_request", `${label}: ${issue.message}`);
}
