/**
 * Public types of the model server. Wire shapes (what goes over HTTP) live in
 * `wire.ts`; these are the shapes a test or the demo programs against.
 */

/** One chat message as OpenAI's Chat Completions API accepts it (only what we read). */
export interface CompletionMessage {
  role: string;
  /** A string, or content parts of which we read the `{ type: "text", text }` ones. */
  content?: string | ReadonlyArray<{ type: string; text?: string }> | null;
  [field: string]: unknown;
}

/** The parsed body of `POST /v1/chat/completions`. Unknown fields are kept for assertions. */
export interface ChatCompletionRequest {
  model?: string;
  messages: CompletionMessage[];
  stream?: boolean | null;
  stream_options?: { include_usage?: boolean } | null;
  /** The answer's length limit as the client sent it: recorded, not enforced (replies are scripted). */
  max_tokens?: number | null;
  [field: string]: unknown;
}

/** What a completion request looked like on arrival: parsed body plus lower-cased headers. */
export interface RecordedRequest {
  body: ChatCompletionRequest;
  headers: Record<string, string>;
}

/**
 * How a scripted reply goes wrong.
 * - `http`: answer with OpenAI's error JSON and this status before any streaming.
 * - `abort`: send `afterTokens` content chunks, then destroy the socket (a provider crash).
 * - `stall`: send `afterTokens` content chunks, then go silent while holding the connection
 *   open until the client leaves or the server closes (a hung provider).
 */
export type ReplyFailure =
  | { kind: "http"; status: number; message?: string }
  | { kind: "abort"; afterTokens: number }
  | { kind: "stall"; afterTokens: number };

export interface TokenUsage {
  prompt_tokens: number;
  completion_tokens: number;
}

/**
 * The reply to the next completion request (FIFO). Every field is optional; what is left out
 * comes from the prompt's directives, then from the server defaults.
 */
export interface ReplyScript {
  /** The whole answer; split into word-ish tokens that keep their leading whitespace. */
  text?: string;
  /** Exact chunk contents; wins over `text`. */
  tokens?: string[];
  /** Delay before each content chunk; default: the server's `tokenDelayMs`. */
  tokenDelayMs?: number;
  failure?: ReplyFailure;
  /** Override the reported usage; default: prompt words and content chunks. */
  usage?: Partial<TokenUsage>;
}

export interface ModelServerOptions {
  /** Interface to bind. Default `127.0.0.1` (loopback only). */
  host?: string;
  /** Port to bind. Default `0`: an ephemeral port, read it back from `url`. */
  port?: number;
  /** Milliseconds before each streamed content chunk. Default `0` (no timer at all). */
  tokenDelayMs?: number;
  /** Reply text when no script is queued. Default: `You said: "<last user message>". ` + filler. */
  defaultReply?: (request: ChatCompletionRequest) => string;
  /** Ids listed by `GET /v1/models`; the first one names replies to requests without `model`. Default `["open-chat-mock"]`. */
  models?: string[];
  /** When set, every `/v1` request needs `Authorization: Bearer <apiKey>` (else 401). Default: no auth. */
  apiKey?: string;
}

export interface ModelServer {
  /** Base URL ending in `/v1`, ready to be the `openai` SDK's `baseURL`. */
  readonly url: string;
  /** Every completion request that passed auth and parsed, in arrival order. */
  readonly requests: RecordedRequest[];
  /** Queue the reply for a future completion request (first in, first out). */
  enqueue(script: ReplyScript): void;
  /** Resolves once `n` completion requests have been recorded; rejects if the server closes first. */
  waitForRequests(n: number): Promise<void>;
  /** Stop listening and destroy open connections, stalled streams included. Idempotent. */
  close(): Promise<void>;
}

/** @deprecated Use {@link CompletionMessage} (`ChatMessage` is the shared fold's folded message). */
export type ChatMessage = CompletionMessage;
