/** `open-chat key create|revoke|list`: a tenant's publishable (browser) and secret (server) keys. */
import { KEY_KINDS, type KeyKind } from "../tenants/keys.js";
import type { ApiKeyRecord } from "../tenants/tenant-store.js";
import { optionalOption, requiredOption, tenantIdArg, textArg } from "./args.js";
import { defineCommand, type Command } from "./command.js";
import { CommandError } from "./errors.js";
import type { OperatorData } from "./open-data.js";
import { fields, table, when } from "./output.js";

const MAX_KEY_NAME_LENGTH = 100;

const create = defineCommand({
  name: "key create",
  synopsis: "--tenant <id> --kind publishable|secret [--name <name>] [--json]",
  description: [
    "Creates a key for a tenant and prints it. A secret key is shown only this once: the server keeps",
    "only its hash. Several keys of a kind may be active at once (rotation: create, deploy, revoke the old).",
  ].join("\n"),
  options: { tenant: { type: "string" }, kind: { type: "string" }, name: { type: "string" } },
  parse(args) {
    const kind = requiredOption(args, "kind");
    if (!KEY_KINDS.includes(kind as KeyKind)) throw new CommandError("invalid_request", `--kind: ${JSON.stringify(kind)} is not one of ${KEY_KINDS.join(", ")}`);
    const name = optionalOption(args, "name");
    return {
      tenantId: tenantIdArg(requiredOption(args, "tenant"), "--tenant"),
      kind: kind as KeyKind,
      name: name === undefined ? undefined : textArg(name, "--name", MAX_KEY_NAME_LENGTH),
    };
  },
  async run({ tenantId, kind, name }, data) {
    await requireTenant(data, tenantId);
    const apiKey = await data.tenants.createKey(tenantId, kind, name);
    const human = [`created ${kind} key ${apiKey.id} for tenant ${tenantId}`, fields([["key", apiKey.key], ["name", apiKey.name ?? undefined]])].join("\n");
    const warning = kind === "secret" ? "open-chat: store this secret key now: the server keeps only its hash, it cannot be shown again" : undefined;
    return { json: { apiKey }, human, ...(warning ? { warning } : {}) };
  },
});

const revoke = defineCommand({
  name: "key revoke",
  synopsis: "--tenant <id> <keyId> [--json]",
  description: "Revokes a key at once: requests presenting it are refused from now on. Revoking a revoked key changes nothing.",
  options: { tenant: { type: "string" } },
  positionals: 1,
  parse: (args) => ({ tenantId: tenantIdArg(requiredOption(args, "tenant"), "--tenant"), keyId: args.positionals[0]! }),
  async run({ tenantId, keyId }, data) {
    await requireTenant(data, tenantId);
    const apiKey = await data.tenants.revokeKey(tenantId, keyId);
    if (!apiKey) throw new CommandError("key_not_found", `tenant ${tenantId} has no key ${keyId}`);
    return { json: { apiKey }, human: `revoked ${apiKey.kind} key ${apiKey.id} (${apiKey.display}) of tenant ${tenantId}` };
  },
});

const list = defineCommand({
  name: "key list",
  synopsis: "--tenant <id> [--json]",
  description: "Lists a tenant's keys, revoked ones included (secret keys only by their last 4 characters).",
  options: { tenant: { type: "string" } },
  parse: (args) => ({ tenantId: tenantIdArg(requiredOption(args, "tenant"), "--tenant") }),
  async run({ tenantId }, data) {
    await requireTenant(data, tenantId);
    const apiKeys = await data.tenants.listKeys(tenantId);
    return { json: { apiKeys }, human: keyTable(apiKeys) };
  },
});

export const keyCommands: Command[] = [create, revoke, list];

export function keyTable(keys: readonly ApiKeyRecord[]): string {
  return table(
    ["ID", "KIND", "KEY", "NAME", "CREATED", "LAST USED", "REVOKED"],
    keys.map((k) => [k.id, k.kind, k.display, k.name ?? "-", when(k.createdAt), when(k.lastUsedAt), when(k.revokedAt)]),
  );
}

export async function requireTenant(data: Pick<OperatorData, "tenants">, tenantId: string): Promise<void> {
  if (!(await data.tenants.get(tenantId))) throw new CommandError("tenant_not_found", `no tenant ${tenantId}`);
}
