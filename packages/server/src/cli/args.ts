/**
 * Reading a command line with node:util parseArgs, plus the checks every command shares:
 * required options, integers, tenant ids. Missing pieces are usage errors (exit 2); values that
 * are there but wrong are `invalid_request` (exit 1), like the API answers them.
 */
import { parseArgs } from "node:util";
import { isTenantId, TENANT_ID_RULE } from "../tenants/tenant-id.js";
import type { Args, Command } from "./command.js";
import { CommandError, UsageError } from "./errors.js";

export interface CommandLine {
  args: Args;
  json: boolean;
  help: boolean;
}

/** Options every operator command has. */
const COMMON_OPTIONS = { json: { type: "boolean" }, help: { type: "boolean", short: "h" } } as const;

export function parseCommandLine(command: Pick<Command, "options" | "positionals">, argv: string[]): CommandLine {
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, options: { ...command.options, ...COMMON_OPTIONS }, strict: true, allowPositionals: true });
  } catch (error) {
    // parseArgs says what is wrong (unknown option, missing value) in its first sentence; the rest is advice on `--`.
    const message = error instanceof Error ? error.message : String(error);
    throw new UsageError(message.replace(/\. To specify a positional argument.*$/s, ""));
  }
  const { json, help, ...values } = parsed.values;
  const line = { args: { values: values as Args["values"], positionals: parsed.positionals }, json: json === true, help: help === true };
  const expected = command.positionals ?? 0;
  if (!line.help && parsed.positionals.length !== expected) {
    const extra = parsed.positionals.length > expected;
    throw new UsageError(extra ? `unexpected argument ${JSON.stringify(parsed.positionals[expected])}` : "missing argument");
  }
  return line;
}

export function requiredOption(args: Args, name: string): string {
  const value = args.values[name];
  if (typeof value !== "string") throw new UsageError(`--${name} is required`);
  return value;
}

export function optionalOption(args: Args, name: string): string | undefined {
  const value = args.values[name];
  return typeof value === "string" ? value : undefined;
}

/** Every value of an option that may be repeated (`--origin a --origin b`). */
export function repeatedOption(args: Args, name: string): string[] {
  const value = args.values[name];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
}

export function flag(args: Args, name: string): boolean {
  return args.values[name] === true;
}

export function integerOption(args: Args, name: string): number | undefined {
  const raw = optionalOption(args, name);
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw)) throw new CommandError("invalid_request", `--${name}: ${JSON.stringify(raw)} is not a whole number`);
  return Number(raw);
}

/** A tenant id as given on the command line (`--tenant` or a positional), checked before any lookup. */
export function tenantIdArg(raw: string, label: string): string {
  if (!isTenantId(raw)) throw new CommandError("invalid_request", `${label}: ${JSON.stringify(raw)} is not a tenant id (${TENANT_ID_RULE})`);
  return raw;
}

/** A non-empty value of at most `max` characters, trimmed. */
export function textArg(raw: string, label: string, max: number): string {
  const text = raw.trim();
  if (!text) throw new CommandError("invalid_request", `${label}: must not be empty`);
  if (text.length > max) throw new CommandError("invalid_request", `${label}: at most ${max} characters`);
  return text;
}
