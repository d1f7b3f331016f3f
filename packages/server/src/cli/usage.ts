/** `open-chat usage`: a tenant's per-turn usage (turns, tokens, cost) grouped by model, day, user or chat. */
import * as v from "valibot";
import { turnUsageReport, USAGE_GROUPS, type UsageGroup, type UsageRow } from "../billing/usage-report.js";
import { IsoDate } from "../routes/admin/schemas.js";
import { optionalOption, requiredOption, tenantIdArg } from "./args.js";
import { defineCommand, type Command } from "./command.js";
import { CommandError } from "./errors.js";
import { requireTenant } from "./key.js";
import { table, when } from "./output.js";

const DEFAULT_WINDOW_MS = 30 * 24 * 60 * 60 * 1000;

const usage = defineCommand({
  name: "usage",
  synopsis: "--tenant <id> [--since <date>] [--until <date>] [--by model|day|user|chat] [--json]",
  description: [
    "Sums a tenant's finished answers (turns, input/output tokens, cost in USD) in [since, until),",
    "grouped by model (default), UTC day, end user or chat. Dates are ISO 8601 (2025-01-31 or",
    "2025-01-31T12:00:00Z); default: the 30 days before now. --json prints costs in integer µUSD.",
  ].join("\n"),
  options: { tenant: { type: "string" }, since: { type: "string" }, until: { type: "string" }, by: { type: "string" } },
  parse(args) {
    const tenantId = tenantIdArg(requiredOption(args, "tenant"), "--tenant");
    const by = optionalOption(args, "by") ?? "model";
    if (!USAGE_GROUPS.includes(by as UsageGroup)) throw new CommandError("invalid_request", `--by: ${JSON.stringify(by)} is not one of ${USAGE_GROUPS.join(", ")}`);
    const until = dateOption(optionalOption(args, "until"), "--until") ?? new Date();
    const since = dateOption(optionalOption(args, "since"), "--since") ?? new Date(until.getTime() - DEFAULT_WINDOW_MS);
    if (since > until) throw new CommandError("invalid_request", "--since: must not be after --until");
    return { tenantId, groupBy: by as UsageGroup, since, until };
  },
  async run({ tenantId, groupBy, since, until }, data) {
    await requireTenant(data, tenantId);
    const report = await turnUsageReport(data.prisma, tenantId, { since, until, groupBy });
    const json = { tenantId, since: since.toISOString(), until: until.toISOString(), groupBy, ...report };
    const human = [`usage of tenant ${tenantId} from ${when(since)} to ${when(until)}, by ${groupBy}`, usageTable(groupBy, report.rows, report.totals)].join("\n");
    return { json, human };
  },
});

export const usageCommands: Command[] = [usage];

export function usageTable(groupBy: UsageGroup, rows: readonly UsageRow[], totals: Omit<UsageRow, "key">): string {
  if (rows.length === 0) return "(no turns)";
  const line = (key: string, row: Omit<UsageRow, "key">) => [key, String(row.turns), String(row.inputTokens), String(row.outputTokens), usd(row.costMicroUsd)];
  return table([groupBy.toUpperCase(), "TURNS", "INPUT", "OUTPUT", "COST USD"], [...rows.map((row) => line(row.key, row)), line("total", totals)]);
}

/** µUSD as dollars with all six decimals (a turn of a cheap model costs a few hundred µUSD). */
export function usd(microUsd: number): string {
  const sign = microUsd < 0 ? "-" : "";
  const abs = Math.abs(microUsd);
  return `${sign}${Math.floor(abs / 1_000_000)}.${String(abs % 1_000_000).padStart(6, "0")}`;
}

function dateOption(raw: string | undefined, label: string): Date | undefined {
  if (raw === undefined) return undefined;
  const parsed = v.safeParse(IsoDate, raw);
  if (!parsed.success) throw new CommandError("invalid_request", `${label}: ${JSON.stringify(raw)} is not ${parsed.issues[0].message}`);
  return parsed.output;
}
