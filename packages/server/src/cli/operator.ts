/**
 * Runs an operator command (`open-chat tenant|key|user|usage|credits|feedback …`): parses the command line, checks the
 * input, opens the data `open-chat serve` uses (open-data.ts), runs the command, closes the data
 * and prints the result — human lines, or one JSON document with `--json`. Returns the exit code:
 * 0 done, 1 the command failed (`{ error: { code, message } }`), 2 a wrong command line.
 */
import { text as readText } from "node:stream/consumers";
import { configFromEnv } from "../config.js";
import { parseCommandLine } from "./args.js";
import { groupUsageOf, usageOf, type Command, type CommandInputs, type CommandResult } from "./command.js";
import { creditsCommands } from "./credits.js";
import { feedbackCommands } from "./feedback.js";
import { CommandError, UsageError } from "./errors.js";
import { keyCommands } from "./key.js";
import { openData } from "./open-data.js";
import { tenantCommands } from "./tenant.js";
import { usageCommands } from "./usage.js";
import { userCommands } from "./user.js";

const GROUPS: Record<string, readonly Command[]> = { tenant: tenantCommands, key: keyCommands, user: userCommands, usage: usageCommands, credits: creditsCommands, feedback: feedbackCommands };

export const OPERATOR_GROUPS: readonly string[] = Object.keys(GROUPS);

export interface OperatorIo extends CommandInputs {
  stdout(text: string): void;
  stderr(text: string): void;
}

const processIo: OperatorIo = {
  env: process.env,
  // process.stdin is opened only when a command reads a secret from it.
  stdin: {
    get isTTY() {
      return process.stdin.isTTY === true;
    },
    read: () => readText(process.stdin),
  },
  stdout: (text) => void process.stdout.write(text + "\n"),
  stderr: (text) => void process.stderr.write(text + "\n"),
};

export async function runOperatorCommand(argv: readonly string[], io: OperatorIo = processIo): Promise<number> {
  const json = argv.includes("--json");
  const [group = "", sub, ...rest] = argv;
  const commands = GROUPS[group] ?? [];
  // A group of one command named like the group (`open-chat usage`) takes no subcommand.
  const single = commands.find((candidate) => candidate.name === group);
  if (single) return runCommand(single, argv.slice(1), io, json);
  const groupUsage = groupUsageOf(commands);
  if (sub === undefined || sub === "help" || sub === "--help" || sub === "-h") {
    if (sub === undefined) return usageFailure(io, json, `${group}: which command?`, groupUsage);
    io.stdout(groupUsage);
    return 0;
  }
  const command = commands.find((candidate) => candidate.name === `${group} ${sub}`);
  if (!command) return usageFailure(io, json, `unknown command "${group} ${sub}"`, groupUsage);
  return runCommand(command, rest, io, json);
}

async function runCommand(command: Command, rest: string[], io: OperatorIo, json: boolean): Promise<number> {
  try {
    const line = parseCommandLine(command, rest);
    if (line.help) {
      io.stdout(`${usageOf(command)}\n\n${command.description}`);
      return 0;
    }
    const input = await command.parse(line.args, io);
    const result = await runWithData(command, input, io);
    if (result.warning) io.stderr(result.warning);
    io.stdout(json ? JSON.stringify(result.json, null, 2) : result.human);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) return usageFailure(io, json, error.message, error.usage ?? usageOf(command));
    const failure = error instanceof CommandError ? error : new CommandError("internal", error instanceof Error ? error.message : String(error));
    if (json) io.stdout(JSON.stringify({ error: { code: failure.code, message: failure.message } }));
    else io.stderr(`open-chat: ${failure.message}`);
    return 1;
  }
}

async function runWithData(command: Command, input: unknown, io: OperatorIo): Promise<CommandResult> {
  const data = await openData(configFromEnv(io.env), io.stderr);
  try {
    return await command.run(input, data);
  } finally {
    await data.close();
  }
}

function usageFailure(io: OperatorIo, json: boolean, message: string, usage: string): number {
  if (json) io.stdout(JSON.stringify({ error: { code: "invalid_request", message } }));
  io.stderr(`open-chat: ${message}\n${usage}`);
  return 2;
}
