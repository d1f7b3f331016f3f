/**
 * The server's composition root below the HTTP layer: every dependency is injected here
 * (database, auth, streams, model, clock), never reached through globals, so tests pass real
 * components through the same seams production uses.
 */
import type { PrismaClient } from "./generated/prisma/client.js";
import { createChatRepository, type ChatRepository } from "./chats/repository.js";
import type { EndUser } from "./env.js";
import { userStreamName } from "./chats/stream-names.js";
import type { GenerationLimits } from "./generation/generator.js";
import type { ModelClient } from "./generation/model-client.js";
import { createGenerationRegistry, type GenerationRegistry } from "./generation/registry.js";
import type { StreamsClient } from "./streams/client.js";
import type { Auth } from "./auth/auth.js";

export interface ServerSettings {
  /** Identifies this process as a lease holder. */
  holder: string;
  generation: GenerationLimits;
  tail: { heartbeatMs: number; retryMs: number; longPollMs: number };
  systemPrompt?: string;
  /** Origins allowed to call the API from browsers; `*` for any (bearer tokens, no cookies). */
  corsOrigins: string[] | "*";
}

export const DEFAULT_SETTINGS: ServerSettings = {
  holder: `pid-${process.pid}`,
  generation: { idleMs: 60_000, totalMs: 10 * 60_000, leaseMs: 30_000, appendIntervalMs: 20 },
  tail: { heartbeatMs: 15_000, retryMs: 1_000, longPollMs: 4_000 },
  corsOrigins: "*",
};

export interface AppDeps {
  prisma: PrismaClient;
  auth: Auth;
  streams: StreamsClient;
  models: ModelClient;
  clock?: () => Date;
  settings?: Partial<ServerSettings>;
}

export interface Services {
  prisma: PrismaClient;
  auth: Auth;
  streams: StreamsClient;
  models: ModelClient;
  clock: () => Date;
  settings: ServerSettings;
  chats: ChatRepository;
  generations: GenerationRegistry;
  /** Creates the user's stream once per process (PUT is idempotent, so a race is harmless). */
  ensureUserStream(user: EndUser): Promise<string>;
}

export function createServices(deps: AppDeps): Services {
  const clock = deps.clock ?? (() => new Date());
  const settings = { ...DEFAULT_SETTINGS, ...deps.settings };
  const chats = createChatRepository(deps.prisma, clock);
  const generations = createGenerationRegistry({
    streams: deps.streams,
    models: deps.models,
    chats,
    clock,
    holder: settings.holder,
    limits: settings.generation,
  });
  const knownStreams = new Set<string>();
  return {
    ...deps,
    clock,
    settings,
    chats,
    generations,
    async ensureUserStream(user) {
      const name = userStreamName(user);
      if (!knownStreams.has(name)) {
        await deps.streams.ensureStream(name);
        knownStreams.add(name);
      }
      return name;
    },
  };
}
