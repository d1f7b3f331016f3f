/**
 * Secrets a tenant gives us (its JWT signing secret, its provider API key) never come on the
 * command line: every user of the machine sees a process's arguments in `ps`, and shells keep
 * them in their history. A `--…-stdin` flag reads the secret as one line piped into standard
 * input; a `--…-from-env` flag reads it from an environment variable. Both are trimmed. A
 * secret is never part of a message: errors name the flag, not the value.
 */
import type { ParseArgsOptionsConfig } from "node:util";
import { flag } from "./args.js";
import type { Args, CommandInputs } from "./command.js";
import { CommandError, UsageError } from "./errors.js";

export interface SecretSource {
  /** e.g. "jwt-secret-stdin" */
  stdinFlag: string;
  /** e.g. "jwt-secret-from-env" */
  envFlag: string;
  /** e.g. "OPEN_CHAT_JWT_SECRET" */
  envVar: string;
}

export const JWT_SECRET_SOURCE: SecretSource = { stdinFlag: "jwt-secret-stdin", envFlag: "jwt-secret-from-env", envVar: "OPEN_CHAT_JWT_SECRET" };
export const PROVIDER_KEY_SOURCE: SecretSource = { stdinFlag: "provider-key-stdin", envFlag: "provider-key-from-env", envVar: "OPEN_CHAT_PROVIDER_KEY" };

/** The parseArgs options of these sources. */
export function secretOptions(...sources: SecretSource[]): ParseArgsOptionsConfig {
  return Object.fromEntries(sources.flatMap((source) => [[source.stdinFlag, { type: "boolean" }], [source.envFlag, { type: "boolean" }]]));
}

/** Whether the command line asks for this secret (through either flag). */
export function secretRequested(args: Args, source: SecretSource): boolean {
  return flag(args, source.stdinFlag) || flag(args, source.envFlag);
}

/** The flag that asked for this secret, for messages ("--jwt-secret-stdin: at least 32 characters"). */
export function secretFlag(args: Args, source: SecretSource): string {
  return `--${flag(args, source.stdinFlag) ? source.stdinFlag : source.envFlag}`;
}

/**
 * Checks the flags of every source a command has before reading any (standard input holds one
 * secret), then reads the secrets asked for: `{ jwtSecret: "…" }` for `{ jwtSecret: JWT_SECRET_SOURCE }`.
 */
export async function readSecrets<Name extends string>(args: Args, inputs: CommandInputs, sources: Record<Name, SecretSource>): Promise<Partial<Record<Name, string>>> {
  const entries = Object.entries(sources) as Array<[Name, SecretSource]>;
  for (const [, source] of entries) {
    if (flag(args, source.stdinFlag) && flag(args, source.envFlag)) throw new UsageError(`--${source.stdinFlag} and --${source.envFlag}: give one`);
  }
  const fromStdin = entries.filter(([, source]) => flag(args, source.stdinFlag)).map(([, source]) => source);
  if (fromStdin.length > 1) {
    const [first, second] = fromStdin as [SecretSource, SecretSource];
    throw new UsageError(`--${first.stdinFlag} and --${second.stdinFlag}: standard input holds one secret; give the other with --${second.envFlag} (${second.envVar})`);
  }
  const secrets: Partial<Record<Name, string>> = {};
  for (const [name, source] of entries) {
    if (flag(args, source.stdinFlag)) secrets[name] = await fromStandardInput(inputs, source);
    else if (flag(args, source.envFlag)) secrets[name] = fromEnvironment(inputs, source);
  }
  return secrets;
}

async function fromStandardInput(inputs: CommandInputs, source: SecretSource): Promise<string> {
  const label = `--${source.stdinFlag}`;
  // Prompting would echo the secret on screen and hang scripts: the secret must be piped in.
  if (inputs.stdin.isTTY) {
    throw new UsageError(`${label} reads the secret from standard input, which is a terminal: pipe it in (printf '%s' "$SECRET" | open-chat …) or use --${source.envFlag} with ${source.envVar}`);
  }
  const secret = (await inputs.stdin.read()).trim();
  if (!secret) throw new CommandError("invalid_request", `${label}: standard input is empty`);
  if (/[\r\n]/.test(secret)) throw new CommandError("invalid_request", `${label}: standard input holds more than one line`);
  return secret;
}

function fromEnvironment(inputs: CommandInputs, source: SecretSource): string {
  const secret = (inputs.env[source.envVar] ?? "").trim();
  if (!secret) throw new CommandError("invalid_request", `--${source.envFlag}: ${source.envVar} is not set`);
  return secret;
}
