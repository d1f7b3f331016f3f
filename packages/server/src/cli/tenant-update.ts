/**
 * `open-chat tenant update <id>`: changes a tenant's settings, the ones `PATCH
 * /v1/admin/tenants/:id` changes, checked by the same schema. Only the settings named on the
 * command line change; model policy flags change only their own field (the API replaces the whole
 * policy). Secrets come from standard input or the environment (secret-input.ts), never argv.
 */
import type { ModelPolicy } from "../tenants/policy.js";
import { flag, optionalOption, repeatedOption, tenantIdArg } from "./args.js";
import { defineCommand, type Args } from "./command.js";
import { CommandError, UsageError } from "./errors.js";
import { JWT_SECRET_SOURCE, PROVIDER_KEY_SOURCE, readSecrets, secretFlag, secretOptions, secretRequested } from "./secret-input.js";
import { checkedTenantPatch, MODEL_POLICY_OPTIONS, modelPolicyOf, outputFitsContext, type TenantPatch } from "./tenant-fields.js";
import { describeTenant } from "./tenant-output.js";

interface UpdateInput {
  id: string;
  /** Checked; applied as it is. */
  patch: TenantPatch;
  addOrigins: string[];
  removeOrigins: string[];
  /** The policy fields given, laid over the tenant's current policy. */
  modelPolicy?: ModelPolicy;
}

export const update = defineCommand({
  name: "tenant update",
  synopsis: [
    "<id> [--name N] [--origin O … | --add-origin O … --remove-origin O …] [--guests | --no-guests]",
    "[--default-model M] [--allowed-model M …] [--max-output-tokens N] [--context-tokens N] [--system-prompt S]",
    "[--jwt-secret-stdin | --jwt-secret-from-env] [--jwks-url U] [--jwt-issuer I] [--jwt-audience A] [--clear-jwt]",
    "[--provider-base-url U (--provider-key-stdin | --provider-key-from-env)] [--clear-provider] [--json]",
  ].join(" "),
  description: [
    "Changes what is named, nothing else (at least one setting).",
    "  --origin                 replaces the allowed origins (repeatable); --add-origin / --remove-origin change the list",
    "  --guests, --no-guests    allow or refuse guest sign-in",
    "  --default-model, --allowed-model (replaces the list), --max-output-tokens, --context-tokens, --system-prompt",
    "                           change those fields of the model policy",
    "  --jwt-secret-stdin       the HS256 secret its backend signs end-user JWTs with, as one line on standard input",
    "  --jwt-secret-from-env    the same, from OPEN_CHAT_JWT_SECRET",
    "  --jwks-url               where its public keys are (RS256/EdDSA); https, or http on localhost",
    "  --jwt-issuer, --jwt-audience  the iss and aud its tokens must carry",
    "  --clear-jwt              removes the secret and the JWKS URL: no more verified sign-ins",
    "  --provider-base-url      its own OpenAI-compatible API, with its key from --provider-key-stdin or",
    "                           --provider-key-from-env (OPEN_CHAT_PROVIDER_KEY); --clear-provider: the server's again",
    "Secrets are never arguments (anyone on the machine can read those); they are stored encrypted and never shown.",
  ].join("\n"),
  options: {
    name: { type: "string" },
    origin: { type: "string", multiple: true },
    "add-origin": { type: "string", multiple: true },
    "remove-origin": { type: "string", multiple: true },
    guests: { type: "boolean" },
    "no-guests": { type: "boolean" },
    ...MODEL_POLICY_OPTIONS,
    ...secretOptions(JWT_SECRET_SOURCE, PROVIDER_KEY_SOURCE),
    "jwks-url": { type: "string" },
    "jwt-issuer": { type: "string" },
    "jwt-audience": { type: "string" },
    "clear-jwt": { type: "boolean" },
    "provider-base-url": { type: "string" },
    "clear-provider": { type: "boolean" },
  },
  positionals: 1,
  async parse(args, inputs) {
    const id = tenantIdArg(args.positionals[0]!, "tenant id");
    refuseConflicts(args);
    const addOrigins = originList(args, "add-origin");
    const removeOrigins = originList(args, "remove-origin");
    const policy = modelPolicyOf(args);
    // Read last: a wrong command line fails before anything is taken from standard input.
    const { jwtSecret, providerKey } = await readSecrets(args, inputs, { jwtSecret: JWT_SECRET_SOURCE, providerKey: PROVIDER_KEY_SOURCE });
    const providerBaseUrl = optionalOption(args, "provider-base-url");
    const jwt = definedOnly({
      secret: flag(args, "clear-jwt") ? null : jwtSecret,
      jwksUrl: flag(args, "clear-jwt") ? null : optionalOption(args, "jwks-url"),
      issuer: optionalOption(args, "jwt-issuer"),
      audience: optionalOption(args, "jwt-audience"),
    });
    const origins = repeatedOption(args, "origin");
    const patch = checkedTenantPatch(
      definedOnly({
        name: optionalOption(args, "name"),
        allowedOrigins: origins.length ? origins : undefined,
        guestsAllowed: flag(args, "guests") ? true : flag(args, "no-guests") ? false : undefined,
        provider: flag(args, "clear-provider") ? null : providerBaseUrl === undefined ? undefined : { baseUrl: providerBaseUrl, apiKey: providerKey! },
        jwt: Object.keys(jwt).length ? jwt : undefined,
      }),
      { "jwt.secret": secretFlag(args, JWT_SECRET_SOURCE), "provider.apiKey": secretFlag(args, PROVIDER_KEY_SOURCE) },
    );
    return { id, patch, addOrigins, removeOrigins, ...(Object.keys(policy).length ? { modelPolicy: policy } : {}) } satisfies UpdateInput;
  },
  async run(input: UpdateInput, { tenants }) {
    // Read, then write: two operators changing one tenant's lists at the same moment is not a case worth a lock.
    const current = await tenants.get(input.id);
    if (!current) throw new CommandError("tenant_not_found", `no tenant ${input.id}`);
    const patch = { ...input.patch };
    let warning: string | undefined;
    if (input.addOrigins.length || input.removeOrigins.length) {
      const absent = input.removeOrigins.filter((origin) => !current.allowedOrigins.includes(origin));
      if (absent.length) warning = `open-chat: not an allowed origin of tenant ${input.id}, nothing to remove: ${absent.join(", ")}`;
      const origins = [...current.allowedOrigins, ...input.addOrigins].filter((origin) => !input.removeOrigins.includes(origin));
      patch.allowedOrigins = checkedTenantPatch({ allowedOrigins: [...new Set(origins)] }, { allowedOrigins: "--add-origin" }).allowedOrigins;
    }
    if (input.modelPolicy) patch.modelPolicy = outputFitsContext({ ...current.modelPolicy, ...input.modelPolicy });
    const tenant = await tenants.update(input.id, patch);
    if (!tenant) throw new CommandError("tenant_not_found", `no tenant ${input.id}`);
    return { json: { tenant }, human: [`updated tenant ${tenant.id}`, describeTenant(tenant)].join("\n"), ...(warning ? { warning } : {}) };
  },
});

/** Flags that contradict each other, or a provider without its key: the command line is wrong (exit 2). */
function refuseConflicts(args: Args): void {
  if (Object.keys(args.values).length === 0) throw new UsageError("nothing to update: name at least one setting");
  const given = (name: string) => args.values[name] !== undefined;
  const both = (a: string, b: string) => {
    if (given(a) && given(b)) throw new UsageError(`--${a} and --${b}: give one`);
  };
  both("guests", "no-guests");
  both("origin", "add-origin");
  both("origin", "remove-origin");
  for (const setting of ["jwks-url", JWT_SECRET_SOURCE.stdinFlag, JWT_SECRET_SOURCE.envFlag]) both("clear-jwt", setting);
  for (const setting of ["provider-base-url", PROVIDER_KEY_SOURCE.stdinFlag, PROVIDER_KEY_SOURCE.envFlag]) both("clear-provider", setting);
  if (given("provider-base-url") !== secretRequested(args, PROVIDER_KEY_SOURCE)) {
    throw new UsageError(`--provider-base-url and its key (--${PROVIDER_KEY_SOURCE.stdinFlag} or --${PROVIDER_KEY_SOURCE.envFlag}) go together`);
  }
}

/** `--add-origin` / `--remove-origin` values, normalized as the API normalizes origins. */
function originList(args: Args, name: string): string[] {
  const raw = repeatedOption(args, name);
  return raw.length ? checkedTenantPatch({ allowedOrigins: raw }, { allowedOrigins: `--${name}` }).allowedOrigins! : [];
}

function definedOnly<T extends Record<string, unknown>>(record: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}
