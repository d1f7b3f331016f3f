/**
 * The two ways an operator command fails. A wrong command line exits 2 with the usage; a command
 * that could not do its job exits 1 with a one-line message (or `{ error: { code, message } }`
 * with `--json`), its code taken from the API's vocabulary so scripts handle both alike.
 */
import type { ErrorCode } from "@open-chat/shared";

export class UsageError extends Error {
  constructor(
    message: string,
    /** The usage of what was meant; unset = the usage of the command being parsed. */
    readonly usage?: string,
  ) {
    super(message);
    this.name = "UsageError";
  }
}

export class CommandError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "CommandError";
  }
}
