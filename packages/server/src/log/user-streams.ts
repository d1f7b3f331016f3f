/**
 * The user's stream, created on first use. One stream per end user; the name is derived
 * server-side (stream-names.ts). Creation is remembered per process: PUT is idempotent, so
 * two requests racing to create it are harmless.
 */
import type { EndUser } from "../env.js";
import type { StreamsClient } from "../streams/client/types.js";
import { userStreamName } from "./stream-names.js";

/** Resolves the user's stream name once the stream exists. */
export type EnsureUserStream = (user: EndUser) => Promise<string>;

export function createUserStreams(streams: Pick<StreamsClient, "ensureStream">): EnsureUserStream {
  const known = new Set<string>();
  return async (user) => {
    const name = userStreamName(user);
    if (!known.has(name)) {
      await streams.ensureStream(name);
      known.add(name);
    }
    return name;
  };
}
