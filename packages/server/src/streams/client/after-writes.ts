/**
 * A streams client that runs a hook after every append and every deletion, whether it
 * succeeded or not: an append that failed may still have been stored (a timeout after the tier
 * wrote it), so whoever is told looks again either way. The append notices of the embedded tier
 * (append-notices.ts) and the wake notices of a remote one (streams/wake/) are built on it.
 *
 * ```ts
 * const streams = afterWrites(client, { appended: (name) => touched(name), deleted: (name) => touched(name) });
 * ```
 */
import type { StreamsClient } from "./types.js";

export interface WriteHooks {
  /** After an append to `name` returned or failed. */
  appended(name: string): void;
  /** After a deletion of `name` returned or failed. */
  deleted(name: string): void;
}

export function afterWrites(client: StreamsClient, hooks: WriteHooks): StreamsClient {
  return {
    baseUrl: client.baseUrl,
    ensureStream: (name, options) => client.ensureStream(name, options),
    read: (name, options) => client.read(name, options),
    live: (name, options) => client.live(name, options),
    ping: (options) => client.ping(options),
    async append(name, records, options) {
      try {
        return await client.append(name, records, options);
      } finally {
        hooks.appended(name);
      }
    },
    async deleteStream(name, options) {
      try {
        return await client.deleteStream(name, options);
      } finally {
        hooks.deleted(name);
      }
    },
  };
}
