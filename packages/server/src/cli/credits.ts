/**
 * `open-chat credits grant|show|checkout`: credit a tenant's account or an end user's (an operator
 * grant, idempotent by `--reference`, recorded in the tenant's billing stream like the admin API's
 * grants), show an account's balance with its latest ledger entries, and make a Stripe Checkout
 * page that tops up the tenant's account (as the admin API's checkout route: same amounts and URLs).
 */
import { entryJson } from "../billing/entry-json.js";
import { createLedger } from "../billing/ledger.js";
import { TENANT_ACCOUNT, type AccountRef } from "../billing/ledger-types.js";
import * as v from "valibot";
import { createStripeBilling, type StripeBillingDeps } from "../billing/stripe/index.js";
import { MAX_TOPUP_USD, MIN_TOPUP_USD, topUpCents } from "../billing/stripe/settings.js";
import { Checkout } from "../routes/admin/billing.js";
import { usd } from "./usage.js";
import { optionalOption, requiredOption, tenantIdArg, textArg } from "./args.js";
import { defineCommand, type Command } from "./command.js";
import { CommandError } from "./errors.js";
import { requireTenant } from "./key.js";
import type { OperatorData } from "./open-data.js";
import { fields, table, when } from "./output.js";

/** One grant at most $1,000,000 (as the admin API). */
const MAX_GRANT_USD = 1_000_000;
const REFERENCE = /^[\w.:-]{1,200}$/;
const SHOWN_ENTRIES = 10;

const grant = defineCommand({
  name: "credits grant",
  synopsis: "--tenant <id> [--user <userId>] --usd <amount> --reference <ref> [--json]",
  description: [
    "Grants credit to the tenant's account (or an end user's with --user): --usd 5 or 2.50 (up to six",
    "decimals: µUSD). Idempotent by --reference: the same reference again grants nothing more.",
  ].join("\n"),
  options: { tenant: { type: "string" }, user: { type: "string" }, usd: { type: "string" }, reference: { type: "string" } },
  parse(args) {
    const reference = requiredOption(args, "reference");
    if (!REFERENCE.test(reference)) throw new CommandError("invalid_request", "--reference: 1 to 200 letters, digits or _ . : -");
    const user = optionalOption(args, "user");
    return {
      tenantId: tenantIdArg(requiredOption(args, "tenant"), "--tenant"),
      owner: user === undefined ? TENANT_ACCOUNT : textArg(user, "--user", 200),
      amountMicroUsd: microUsdOf(requiredOption(args, "usd")),
      reference,
    };
  },
  async run({ tenantId, owner, amountMicroUsd, reference }, data) {
    await requireAccount(data, { tenantId, owner });
    const stripe = createStripeBilling({ prisma: data.prisma, streams: await data.streams(), ledger: createLedger(data.prisma), clock: () => new Date(), settings: undefined });
    const { entry, applied } = await stripe.grant({ tenantId, owner }, amountMicroUsd, reference);
    const json = { applied, entry: entryJson(entry) };
    const what = `${usd(Number(entry.amountMicroUsd))} USD to ${accountName({ tenantId, owner })}`;
    const human = applied ? `granted ${what}; balance now ${usd(Number(entry.balanceAfterMicroUsd))} USD` : `already granted with reference ${reference} (${what}): nothing changed`;
    return { json, human };
  },
});

const show = defineCommand({
  name: "credits show",
  synopsis: "--tenant <id> [--user <userId>] [--json]",
  description: `Shows the balance, the amount held by running answers and what is available, with the latest ${SHOWN_ENTRIES} ledger entries.`,
  options: { tenant: { type: "string" }, user: { type: "string" } },
  parse(args) {
    const user = optionalOption(args, "user");
    return { tenantId: tenantIdArg(requiredOption(args, "tenant"), "--tenant"), owner: user === undefined ? TENANT_ACCOUNT : textArg(user, "--user", 200) };
  },
  async run(ref, data) {
    await requireAccount(data, ref);
    const ledger = createLedger(data.prisma);
    const [balance, page] = await Promise.all([ledger.balance(ref), ledger.entries(ref, { limit: SHOWN_ENTRIES })]);
    const json = {
      tenantId: ref.tenantId,
      owner: ref.owner,
      balanceMicroUsd: Number(balance.balanceMicroUsd),
      reservedMicroUsd: Number(balance.reservedMicroUsd),
      availableMicroUsd: Number(balance.availableMicroUsd),
      entries: page.entries.map(entryJson),
    };
    const human = [
      fields([
        ["account", accountName(ref)],
        ["balance USD", usd(json.balanceMicroUsd)],
        ["reserved USD", usd(json.reservedMicroUsd)],
        ["available USD", usd(json.availableMicroUsd)],
      ]),
      page.entries.length === 0
        ? "(no ledger entries)"
        : table(["WHEN", "KIND", "AMOUNT USD", "BALANCE USD", "REFERENCE"], page.entries.map((e) => [when(e.createdAt), e.kind, usd(Number(e.amountMicroUsd)), usd(Number(e.balanceAfterMicroUsd)), e.externalRef ?? e.generationId ?? ""])),
    ].join("\n");
    return { json, human };
  },
});

const checkout = defineCommand({
  name: "credits checkout",
  synopsis: "--tenant <id> --usd <amount> --success-url <url> --cancel-url <url> [--json]",
  description: [
    `Makes a Stripe Checkout page that tops up the tenant's account by --usd (${MIN_TOPUP_USD} … ${MAX_TOPUP_USD}, cents at most)`,
    "and prints its session id and URL. The credit arrives with Stripe's webhook once paid. Needs STRIPE_SECRET_KEY.",
  ].join("\n"),
  options: { tenant: { type: "string" }, usd: { type: "string" }, "success-url": { type: "string" }, "cancel-url": { type: "string" } },
  parse(args) {
    const tenantId = tenantIdArg(requiredOption(args, "tenant"), "--tenant");
    const rawUsd = requiredOption(args, "usd");
    const successUrl = requiredOption(args, "success-url");
    const cancelUrl = requiredOption(args, "cancel-url");
    // The admin API's checkout body and amount rule (routes/admin/billing.ts, stripe/settings.ts).
    const amountUsd = /^\d{1,7}(?:\.\d{1,6})?$/.test(rawUsd.trim()) ? Number(rawUsd) : Number.NaN;
    const checked = v.safeParse(Checkout, { amountUsd, successUrl, cancelUrl });
    if (!checked.success) {
      const issue = checked.issues[0];
      const key = String(issue.path?.[0]?.key ?? "");
      if (key !== "amountUsd") throw new CommandError("invalid_request", `--${key === "successUrl" ? "success-url" : "cancel-url"}: ${issue.message}`);
    }
    const cents = topUpCents(amountUsd);
    if (cents === null) throw new CommandError("invalid_request", `--usd: ${JSON.stringify(rawUsd)} is not ${MIN_TOPUP_USD} … ${MAX_TOPUP_USD} USD with at most two decimals`);
    return { tenantId, cents, successUrl, cancelUrl };
  },
  async run({ tenantId, cents, successUrl, cancelUrl }, data) {
    const stripe = createStripeBilling({ prisma: data.prisma, streams: streamsOnUse(data), ledger: createLedger(data.prisma), clock: () => new Date(), settings: data.stripe });
    if (!stripe.topUpsEnabled) throw new CommandError("billing_disabled", "top-ups are not configured: set STRIPE_SECRET_KEY (and STRIPE_API_BASE for a stand-in) as for `open-chat serve`");
    await requireTenant(data, tenantId);
    const session = await stripe.checkout({ tenantId, owner: TENANT_ACCOUNT }, cents, { successUrl, cancelUrl });
    const human = [
      `Checkout page for ${(cents / 100).toFixed(2)} USD to tenant ${tenantId} (credited when Stripe reports it paid)`,
      fields([
        ["session", session.sessionId],
        ["url", session.url],
      ]),
    ].join("\n");
    return { json: { sessionId: session.sessionId, url: session.url }, human };
  },
});

export const creditsCommands: Command[] = [grant, show, checkout];

/** The streams tier, opened only if the billing service touches its stream (a Checkout session does not). */
function streamsOnUse(data: OperatorData): StripeBillingDeps["streams"] {
  return {
    ensureStream: async (name, options) => (await data.streams()).ensureStream(name, options),
    append: async (name, records, options) => (await data.streams()).append(name, records, options),
    read: async (name, options) => (await data.streams()).read(name, options),
  };
}

/** "5", "2.50", "0.000150" → µUSD, exactly (no floating point). */
export function microUsdOf(raw: string): bigint {
  const match = /^(\d{1,7})(?:\.(\d{1,6}))?$/.exec(raw.trim());
  if (!match) throw new CommandError("invalid_request", `--usd: ${JSON.stringify(raw)} is not an amount in USD (e.g. 5 or 2.50, at most 6 decimals)`);
  const micro = BigInt(match[1]!) * 1_000_000n + BigInt((match[2] ?? "").padEnd(6, "0"));
  if (micro <= 0n) throw new CommandError("invalid_request", "--usd: must be more than 0");
  if (micro > BigInt(MAX_GRANT_USD) * 1_000_000n) throw new CommandError("invalid_request", `--usd: at most ${MAX_GRANT_USD}`);
  return micro;
}

async function requireAccount(data: OperatorData, ref: AccountRef): Promise<void> {
  await requireTenant(data, ref.tenantId);
  if (ref.owner === TENANT_ACCOUNT) return;
  const user = await data.prisma.user.findFirst({ where: { id: ref.owner, tenantId: ref.tenantId }, select: { id: true } });
  if (!user) throw new CommandError("user_not_found", `tenant ${ref.tenantId} has no user ${ref.owner}`);
}

function accountName(ref: AccountRef): string {
  return ref.owner === TENANT_ACCOUNT ? `tenant ${ref.tenantId}` : `user ${ref.owner} of tenant ${ref.tenantId}`;
}
