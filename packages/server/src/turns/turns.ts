/**
 * A chat's turns: send or edit, and regenerate (one path: lease, first append, prompt, start), stop (durable, from any process)
 * and resume (end or continue an answer whose holder died). One object so the routes and the
 * lease sweeper get the same dependencies.
 */
import type { EndUser } from "../env.js";
import type { ExpiredLease } from "../leases/lease-store.js";
import { resumeTurn, type ResumeOutcome } from "./resume-turn.js";
import { regenerateTurn, sendTurn, type RegenerateInput, type SendDeps, type SendInput, type SendResult } from "./send-turn.js";
import { stopTurn, type StopDeps } from "./stop-turn.js";

export type TurnDeps = SendDeps & StopDeps;

export interface Turns {
  /** A new message, or with `editOf` another version of one; either way a new answer. */
  send(user: EndUser, chatId: string, input: SendInput): Promise<SendResult>;
  /** Another version of an ended answer, replying to the same thread. */
  regenerate(user: EndUser, chatId: string, input: RegenerateInput): Promise<SendResult>;
  /** Stops the chat's running answer wherever it runs; false when none runs. */
  stop(user: EndUser, chatId: string, by: "user" | "system"): Promise<boolean>;
  /** Ends or continues an answer whose lease this process has just taken over. */
  resume(lease: ExpiredLease): Promise<ResumeOutcome>;
}

export function createTurns(deps: TurnDeps): Turns {
  return {
    send: (user, chatId, input) => sendTurn(deps, user, chatId, input),
    regenerate: (user, chatId, input) => regenerateTurn(deps, user, chatId, input),
    stop: (user, chatId, by) => stopTurn(deps, user, chatId, by),
    resume: (lease) => resumeTurn(deps, lease),
  };
}
