/**
 * What an operator command is: its usage, its options (node:util parseArgs), how it turns the
 * command line into an input (checked before any database is opened) and how it runs.
 */
import type { ParseArgsOptionsConfig } from "node:util";
import type { OperatorData } from "./open-data.js";

export interface CommandResult {
  /** Printed with `--json`, as one JSON document. */
  json: unknown;
  /** Printed otherwise. */
  human: string;
  /** Printed on stderr either way (e.g. "store this secret key now"). */
  warning?: string;
}

export interface Args {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/**
 * What `parse` may read besides the command line. Secrets come from here, never from argv (every
 * user of the machine sees a process's arguments in `ps`).
 */
export interface CommandInputs {
  env: NodeJS.ProcessEnv;
  stdin: {
    /** A terminal: nothing was piped in (secret-input.ts refuses to prompt). */
    readonly isTTY: boolean;
    /** Everything piped in, to its end. */
    read(): Promise<string>;
  };
}

export interface Command<Input = unknown> {
  /** e.g. "tenant create" */
  name: string;
  /** What follows the name in the usage line, e.g. "<id> [--json]". */
  synopsis: string;
  /** A few lines for `--help`. */
  description: string;
  options: ParseArgsOptionsConfig;
  /** How many positionals the command takes (their names are in the synopsis). Default 0. */
  positionals?: number;
  /** Throws UsageError (missing pieces) or CommandError `invalid_request` (bad values). */
  parse(args: Args, inputs: CommandInputs): Input | Promise<Input>;
  run(input: Input, data: OperatorData): Promise<CommandResult>;
}

/** Declares a command with its input type checked between `parse` and `run`. */
export function defineCommand<Input>(command: Command<Input>): Command<Input> {
  return command;
}

export function usageOf(command: Pick<Command, "name" | "synopsis">): string {
  return `usage: open-chat ${command.name} ${command.synopsis}`;
}

/** The usage of every command of a group (`open-chat tenant`), one per line. */
export function groupUsageOf(commands: ReadonlyArray<Pick<Command, "name" | "synopsis">>): string {
  return ["usage:", ...commands.map((command) => `  open-chat ${command.name} ${command.synopsis}`)].join("\n");
}
