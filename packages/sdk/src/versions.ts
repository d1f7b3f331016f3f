/**
 * Versions and feedback: `regenerate` (another answer to the same question), `edit` (another
 * version of a user message, then its answer), `selectVersion` (show another version and the
 * thread under it) and `feedback` (👍/👎 on an ended answer). Regenerate and edit are turns:
 * they go through the outbox like a send (persisted first, retried with one clientMessageId, so
 * the server makes one turn however often the request is repeated). Select and feedback are
 * single requests, retried only after transport failures and 5xx: both are safe to repeat.
 *
 * @example
 * const { assistantMessageId } = await client.regenerate(chatId, answer.id);
 * await client.selectVersion(chatId, answer.id); // back to the first answer
 * await client.feedback(chatId, assistantMessageId, { rating: "up", comment: "clear" });
 */
import { API_PATH, type FeedbackRating } from "@open-chat/shared";
import type { Backoff } from "./backoff.js";
import { OpenChatError, TransportError } from "./errors.js";
import type { Http, HttpRequest } from "./http.js";
import { newClientMessageId } from "./ids.js";
import type { NetworkSignal } from "./network.js";
import { pendingFor, type OutboxEntry } from "./outbox-entry.js";
import type { PendingStore } from "./pending.js";
import { retrying } from "./retry.js";
import type { SendResult } from "./types.js";

/** Attempts of one selectVersion() or feedback() (the first included). */
const ATTEMPTS = 5;

export interface TurnOptions {
  /** Model for the new answer. Default: the chat's model, else the server's default. */
  model?: string;
  /** Reuse an id to retry a regenerate/edit you made before (e.g. after a reload). Default: a new one. */
  clientMessageId?: string;
}

export interface FeedbackInput {
  /** 👍 `"up"`, 👎 `"down"`, or `null` to clear it. */
  rating: FeedbackRating | null;
  /** Optional words with the rating, at most 2000 characters. */
  comment?: string;
}

export interface VersionMethods {
  /**
   * Writes the ended answer `assistantMessageId` (completed, stopped or failed) again: a new
   * version of it, answering the same question. Queued in the outbox like `send` (a busy chat
   * waits for its answer to end) and resolves when the server accepted the turn. Nothing is
   * shown before the log has the new answer: there is no user message to show.
   */
  regenerate(chatId: string, assistantMessageId: string, options?: TurnOptions): Promise<SendResult>;
  /**
   * Replaces the user message `userMessageId` with `text`: a new version of it (same place in
   * the conversation), then a new answer. Shown at once as a pending message in the edited
   * message's place; otherwise like `send`.
   */
  edit(chatId: string, userMessageId: string, text: string, options?: TurnOptions): Promise<SendResult>;
  /** Shows the version `messageId` (and the thread under it) from now on, in every tail and tab. */
  selectVersion(chatId: string, messageId: string): Promise<{ offset: string }>;
  /** Rates an ended answer (the latest rating wins; `rating: null` clears it). */
  feedback(chatId: string, messageId: string, input: FeedbackInput): Promise<{ offset: string }>;
}

export interface VersionDeps {
  http: Http;
  pending: PendingStore;
  /** Queues an entry in the outbox; resolves when the server accepted it. */
  enqueue(entry: OutboxEntry): Promise<SendResult>;
  clock(): number;
  backoff: Backoff;
  network: NetworkSignal;
  /** Aborted when the client closes: no more retries. */
  signal: AbortSignal;
}

export function versionMethods(deps: VersionDeps): VersionMethods {
  const now = () => new Date(deps.clock()).toISOString();

  /** Transport failures and 5xx only: a refusal (409 while an answer runs, 4xx) is the caller's to show. */
  const transient = (error: unknown) => error instanceof TransportError || (error instanceof OpenChatError && error.status >= 500);
  function request<T>(req: HttpRequest): Promise<T> {
    return retrying(() => deps.http.json<T>({ ...req, signal: deps.signal }), { attempts: ATTEMPTS, backoff: deps.backoff, network: deps.network, signal: deps.signal, shouldRetry: transient });
  }

  return {
    regenerate(chatId, assistantMessageId, options = {}) {
      const entry: OutboxEntry = {
        kind: "regenerate",
        chatId,
        clientMessageId: options.clientMessageId ?? newClientMessageId(),
        messageId: assistantMessageId,
        queuedAt: now(),
      };
      if (options.model !== undefined) entry.model = options.model;
      return deps.enqueue(entry);
    },
    edit(chatId, userMessageId, text, options = {}) {
      const entry: OutboxEntry = {
        kind: "send",
        chatId,
        clientMessageId: options.clientMessageId ?? newClientMessageId(),
        text,
        editOf: userMessageId,
        queuedAt: now(),
      };
      if (options.model !== undefined) entry.model = options.model;
      deps.pending.add(pendingFor(entry));
      return deps.enqueue(entry);
    },
    selectVersion(chatId, messageId) {
      return request({ method: "POST", path: API_PATH.select(chatId, messageId), body: {} });
    },
    feedback(chatId, messageId, input) {
      const body: { rating: FeedbackRating | null; comment?: string } = { rating: input.rating };
      if (input.comment !== undefined) body.comment = input.comment;
      return request({ method: "POST", path: API_PATH.feedback(chatId, messageId), body });
    },
  };
}
