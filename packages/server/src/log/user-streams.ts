/**
 * The user's stream, created on first use, and its incarnation. One stream per end user; the
 * name is derived server-side (stream-names.ts). Checked once per process per stream.
 *
 * The incarnation (recorded in Postgres) changes when the streams tier no longer has what we
 * wrote: the PUT had to create the stream again (a wiped data folder), or the stream's end lies
 * before an offset we already handed out (an object-store bootstrap that lost its unuploaded
 * tail and will reuse those offsets). Every offset a client gets carries the incarnation
 * (offsets.ts), so an offset from before the loss is refused whatever its position and the
 * client reads again from the start, from a clean state.
 */
import { randomBytes } from "node:crypto";
import { compareOffsets } from "@open-chat/shared";
import type { EndUser } from "../env.js";
import type { PrismaClient } from "../generated/prisma/client.js";
import type { StreamsClient } from "../streams/client/types.js";
import { userStreamName } from "./stream-names.js";

export interface UserStream {
  name: string;
  /** Prefix of every offset handed out for this stream (see offsets.ts). */
  incarnation: string;
}

/** Resolves the user's stream once it exists. */
export type EnsureUserStream = (user: EndUser) => Promise<UserStream>;

export function createUserStreams(streams: Pick<StreamsClient, "ensureStream" | "read">, prisma: PrismaClient): EnsureUserStream {
  const known = new Map<string, Promise<UserStream>>();

  async function check(user: EndUser, name: string): Promise<UserStream> {
    const { created } = await streams.ensureStream(name);
    const row = await prisma.userStream.findUnique({ where: { name } });
    if (row && !created && !(await lostAcknowledgedData(user, name, row.updatedAt))) return { name, incarnation: row.incarnation };
    if (row) console.warn(`[open-chat] stream ${name} lost data in the streams tier: new incarnation, clients read it again from the start`);
    const incarnation = newIncarnation();
    const saved = await prisma.userStream.upsert({
      where: { name },
      create: { name, tenantId: user.tenantId, userId: user.id, incarnation },
      // A lost stream gets a new incarnation; a row another process just made is kept.
      update: row ? { incarnation } : {},
    });
    return { name, incarnation: saved.incarnation };
  }

  /**
   * The stream ends before the newest offset a send of this user was answered with in the
   * current incarnation (`since`: when it began; older turns' offsets belong to a lost stream).
   */
  async function lostAcknowledgedData(user: EndUser, name: string, since: Date): Promise<boolean> {
    const newest = await prisma.turn.findFirst({
      where: { chat: { userId: user.id, tenantId: user.tenantId }, offset: { not: null }, createdAt: { gte: since } },
      orderBy: { offset: "desc" },
      select: { offset: true },
    });
    if (!newest?.offset) return false;
    const end = await streams.read(name, { offset: "now" });
    return compareOffsets(end.nextOffset, newest.offset) < 0;
  }

  return (user) => {
    const name = userStreamName(user);
    let stream = known.get(name);
    if (!stream) {
      stream = check(user, name);
      known.set(name, stream);
      stream.catch(() => known.delete(name)); // retried by the next request
    }
    return stream;
  };
}

/** 8 characters of [0-9a-z]: short, and never contains the offsets' separator. */
function newIncarnation(): string {
  return BigInt(`0x${randomBytes(6).toString("hex")}`).toString(36).padStart(8, "0").slice(-8);
}
