/** `open-chat tenant create|show|list|update`: the websites this server serves. */
import { Prisma } from "../generated/prisma/client.js";
import { normalizeOrigin } from "../tenants/origins.js";
import type { ApiKeyRecord, TenantRecord } from "../tenants/tenant-store.js";
import { flag, optionalOption, repeatedOption, requiredOption, tenantIdArg, textArg } from "./args.js";
import { defineCommand, type Command } from "./command.js";
import { CommandError, UsageError } from "./errors.js";
import { keyTable } from "./key.js";
import { fields, table, when } from "./output.js";
import { JWT_SECRET_SOURCE, readSecrets, secretFlag, secretOptions } from "./secret-input.js";
import { checkedTenantPatch, MODEL_POLICY_OPTIONS, modelPolicyOf } from "./tenant-fields.js";
import { describePolicy, describeTenant } from "./tenant-output.js";
import { update } from "./tenant-update.js";

const MAX_NAME_LENGTH = 200;

const create = defineCommand({
  name: "tenant create",
  synopsis:
    "--name <name> --origin <origin> [--origin …] [--id <id>] [--no-guests] [--default-model M] [--allowed-model M …] [--max-output-tokens N] [--context-tokens N] [--system-prompt S] [--jwt-secret-stdin | --jwt-secret-from-env] [--json]",
  description: [
    "Creates a tenant (one website) and a publishable key for its pages.",
    "  --origin             an exact page origin allowed to use the key, e.g. https://shop.example (repeatable)",
    "  --id                 the tenant id (default: from the name, e.g. acme-shop-7k2q9x)",
    "  --no-guests          only verified end users (JWT), no guest sign-in",
    "  --default-model, --allowed-model, --max-output-tokens, --context-tokens, --system-prompt",
    "                       the tenant's model policy (unset: the server's defaults)",
    "  --jwt-secret-stdin   the HS256 secret its backend signs end-user JWTs with, piped in (never an argument)",
    "  --jwt-secret-from-env  the same, from OPEN_CHAT_JWT_SECRET",
  ].join("\n"),
  options: {
    name: { type: "string" },
    id: { type: "string" },
    origin: { type: "string", multiple: true },
    "no-guests": { type: "boolean" },
    ...MODEL_POLICY_OPTIONS,
    ...secretOptions(JWT_SECRET_SOURCE),
  },
  async parse(args, inputs) {
    const name = textArg(requiredOption(args, "name"), "--name", MAX_NAME_LENGTH);
    const rawOrigins = repeatedOption(args, "origin");
    if (rawOrigins.length === 0) throw new UsageError("--origin is required (the page origins that may use the publishable key)");
    const allowedOrigins = rawOrigins.map((raw) => {
      const origin = normalizeOrigin(raw);
      if (!origin) throw new CommandError("invalid_request", `--origin: ${JSON.stringify(raw)} is not an origin (scheme://host[:port], no path), e.g. https://shop.example`);
      return origin;
    });
    const id = optionalOption(args, "id");
    const checkedId = id === undefined ? undefined : tenantIdArg(id, "--id");
    const modelPolicy = modelPolicyOf(args);
    // Read last: a wrong flag fails before anything is taken from standard input.
    const { jwtSecret } = await readSecrets(args, inputs, { jwtSecret: JWT_SECRET_SOURCE });
    const jwt = jwtSecret === undefined ? undefined : checkedTenantPatch({ jwt: { secret: jwtSecret } }, { "jwt.secret": secretFlag(args, JWT_SECRET_SOURCE) }).jwt;
    return { name, id: checkedId, allowedOrigins, guestsAllowed: !flag(args, "no-guests"), modelPolicy, ...(jwt ? { jwt } : {}) };
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
        ["end-user JWT", tenant.jwt.hasSecret ? "HS256 secret" : undefined],
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

export const tenantCommands: Command[] = [create, show, list, update];
