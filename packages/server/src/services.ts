/**
 * The server's composition root below the HTTP layer: every dependency is injected here
 * (database, auth, streams, model, clock), never reached through globals, so tests pass real
 * components through the same seams production uses.
 */
import type { PrismaClient } from "./generated/prisma/client.js";
import { createChatRepository, type ChatRepository } from "./chats/repository.js";
import type { EndUser } from "./env.js";
import type { ModelClient } from "./generation/model-client.js";
import { createGenerationRegistry, type GenerationRegistry } from "./generation/registry.js";
import { createUserStreams } from "./log/user-streams.js";
import type { StreamsClient } from "./streams/client/types.js";
import type { Auth } from "./auth/auth.js";
import { DEFAULT_SETTINGS, type ServerSettings } from "./settings.js";
import { createTurns, type Turns } from "./turns/send-turn.js";

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
  /** Sending a message: lease, first append, prompt, start (turns/send-turn.ts). */
  turns: Turns;
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
    leases: chats,
    clock,
    holder: settings.holder,
    limits: settings.generation,
  });
  const ensureUserStream = createUserStreams(deps.streams);
  const turns = createTurns({
    chats,
    generations,
    streams: deps.streams,
    ensureUserStream,
    clock,
    defaultModel: deps.models.defaultModel,
    holder: settings.holder,
    leaseMs: settings.generation.leaseMs,
    systemPrompt: settings.systemPrompt,
  });
  return { ...deps, clock, settings, chats, generations, turns, ensureUserStream };
}
