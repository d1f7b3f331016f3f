import type { RunningServer } from "@open-chat/server";
import type { ChatCompletionRequest, ModelServer } from "@open-chat/server/model-server";

export interface Backend {
  url: string;
  /** True when no local Postgres was reachable and the server runs embedded PGlite. */
  embeddedDatabase: boolean;
  server: RunningServer;
  model: ModelServer;
  close(): Promise<void>;
}

export function defaultReply(request: ChatCompletionRequest): string;
export function startBackend(): Promise<Backend>;
