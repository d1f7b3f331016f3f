/** `open-chat tenant create|show|list`: the websites this server serves. */
import * as v from "valibot";
import { Prisma } from "../generated/prisma/client.js";
import { normalizeOrigin } from "../tenants/origins.js";
import { ModelPolicySchema, type ModelPolicy } from "../tenants/policy.js";
import type { ApiKeyRecord, TenantRecord } from "../tenants/tenant-store.js";
import { flag, integerOption, optionalOption, repeatedOption, requiredOption, tenantIdArg, textArg } from "./args.js";
import { defineCommand, type Command } from "./command.js";
import { CommandError, UsageError } from "./errors.js";
import { keyTable } from "./key.js";
import { fields, table, when } from "./output.js";

const MAX_NAME_LENGTH = 200;

const create = defineCommand({
  name: "tenant create",
  synopsis:
    "--name <name> --origin <origin> [--origin …] [--id <id>] [--no-guests] [--default-model M] [--allowed-model M …] [--max-output-tokens N] [--context-tokens N] [--system-prompt S] [--json]",
  description: [
    "Creates a tenant (one website) and a publishable key for its pages.",
    "  --origin             an exact page origin allowed to use the key, e.g. https://shop.example (repeatable)",
    "  --id                 the tenant id (default: from the name, e.g. acme-shop-7k2q9x)",
    "  --no-guests          only verified end users (JWT), no guest sign-in",
    "  --default-model, --allowed-model, --max-output-tokens, --context-tokens, --system-prompt",
    "                       the tenant's model policy (unset: the server's defaults)",
  ].join("\n"),
  options: {
    name: { type: "string" },
    id: { type: "string" },
    origin: { type: "string", multiple: true },
    "no-guests": { type: "boolean" },
    "default-model": { type: "string" },
    "allowed-model": { type: "string", multiple: true },
    "max-output-tokens": { type: "string" },
    "context-tokens": { type: "string" },
    "system-prompt": { type: "string" },
  },
  parse(args) {
    const name = textArg(requiredOption(args, "name"), "--name", MAX_NAME_LENGTH);
    const rawOrigins = repeatedOption(args, "origin");
    if (rawOrigins.length === 0) throw new UsageError("--origin is required (the page origins that may use the publishable key)");
    const allowedOrigins = rawOrigins.map((raw) => {
      const origin = normalizeOrigin(raw);
      if (!origin) throw new CommandError("invalid_request", `--origin: ${JSON.stringify(raw)} is not an origin (scheme://host[:port], no path), e.g. https://shop.example`);
      return origin;
    });
    const id = optionalOption(args, "id");
    return {
      name,
      id: id === undefined ? undefined : tenantIdArg(id, "--id"),
      allowedOrigins,
      guestsAllowed: !flag(args, "no-guests"),
      modelPolicy: modelPolicyOf(args),
    };
  },
  async run(input, { tenants }) {
    let tenant: TenantRecord;
    try {
      tenant = await tenants.create(input);
    } catch (error) {
      if (input.id && error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
        throw new CommandError("conflict", `tenant ${input.id} already exists`);
      }
      throw error;
    }
    const publishableKey = await tenants.createKey(tenant.id, "publishable");
    const human = [
      `created tenant ${tenant.id}`,
      fields([
        ["name", tenant.name],
        ["origins", tenant.allowedOrigins.join(", ")],
        ["guests", tenant.guestsAllowed ? "allowed" : "not allowed"],
        ["model policy", describePolicy(tenant.modelPolicy)],
        ["publishable key", publishableKey.key],
      ]),
    ].join("\n");
    return { json: { tenant, publishableKey }, human };
  },
});

const show = defineCommand({
  name: "tenant show",
  synopsis: "<id> [--json]",
  description: "Shows a tenant, its keys (secret keys only by their last 4 characters) and how many end users and chats it has.",
  options: {},
  positionals: 1,
  parse: (args) => ({ id: tenantIdArg(args.positionals[0]!, "tenant id") }),
  async run({ id }, { tenants, prisma }) {
    const tenant = await tenants.get(id);
    if (!tenant) throw new CommandError("tenant_not_found", `no tenant ${id}`);
    const [apiKeys, users, chats] = await Promise.all([
      tenants.listKeys(id),
      prisma.user.count({ where: { tenantId: id } }),
      prisma.chat.count({ where: { tenantId: id } }),
    ]);
    const human = [`tenant ${tenant.id}`, describeTenant(tenant, { users, chats }), "", "keys", keyTable(apiKeys)].join("\n");
    return { json: { tenant, apiKeys: apiKeys satisfies ApiKeyRecord[], counts: { users, chats } }, human };
  },
});

const list = defineCommand({
  name: "tenant list",
  synopsis: "[--json]",
  description: "Lists every tenant, oldest first.",
  options: {},
  parse: () => ({}),
  async run(_input, { tenants }) {
    const all = await tenants.list();
    const human = table(
      ["ID", "NAME", "ORIGINS", "GUESTS", "CREATED"],
      all.map((t) => [t.id, t.name, t.allowedOrigins.join(",") || "-", t.guestsAllowed ? "yes" : "no", when(t.createdAt)]),
    );
    return { json: { tenants: all }, human };
  },
});

export const tenantCommands: Command[] = [create, show, list];

/** The model policy flags, checked by the same schema the admin API uses. */
function modelPolicyOf(args: Parameters<Command["parse"]>[0]): ModelPolicy {
  const flags: Record<keyof ModelPolicy, string> = {
    defaultModel: "--default-model",
    allowedModels: "--allowed-model",
    maxOutputTokens: "--max-output-tokens",
    contextTokens: "--context-tokens",
    systemPrompt: "--system-prompt",
  };
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
    throw new CommandError("invalid_request", `${(key && flags[key]) || "model policy"}: ${issue.message}`);
  }
  return checked.output;
}

function describeTenant(tenant: TenantRecord, counts: { users: number; chats: number }): string {
  return fields([
    ["name", tenant.name],
    ["origins", tenant.allowedOrigins.join(", ") || "(none: its publishable keys work nowhere)"],
    ["guests", tenant.guestsAllowed ? "allowed" : "not allowed"],
    ["model policy", describePolicy(tenant.modelPolicy) || "server defaults"],
    ["provider", tenant.provider ? `${tenant.provider.baseUrl}${tenant.provider.hasApiKey ? " (own key)" : ""}` : "the server's"],
    ["end-user JWT", describeJwt(tenant.jwt)],
    ["end users", String(counts.users)],
    ["chats", String(counts.chats)],
    ["created", when(tenant.createdAt)],
  ]);
}

function describePolicy(policy: ModelPolicy): string {
  return [
    policy.defaultModel && `default ${policy.defaultModel}`,
    policy.allowedModels && `allowed ${policy.allowedModels.join(", ")}`,
    policy.maxOutputTokens !== undefined && `max output ${policy.maxOutputTokens} tokens`,
    policy.contextTokens !== undefined && `context ${policy.contextTokens} tokens`,
    policy.systemPrompt !== undefined && "system prompt set",
  ]
    .filter(Boolean)
    .join("; ");
}

function describeJwt(jwt: TenantRecord["jwt"]): string {
  const verifier = jwt.hasSecret ? "HS256 secret" : jwt.jwksUrl ? `JWKS ${jwt.jwksUrl}` : undefined;
  if (!verifier) return "not set up";
  return [verifier, jwt.issuer && `issuer ${jwt.issuer}`, jwt.audience && `audience ${jwt.audience}`].filter(Boolean).join("; ");
}
