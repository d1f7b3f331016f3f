/**
 * Changing who the client is: `identify()` exchanges a tenant-signed user token (JWT) for a
 * session of that verified user (the guest's chats merged when the guest's token goes along)
 * and `reset()` signs out and forgets. Loaded on first use (client.ts imports it dynamically),
 * so a page whose visitors stay guests never downloads it; for the same reason it imports
 * nothing at run time — what it needs of the client comes in the {@link IdentityContext}.
 */
import type { Session, SessionTokens, VerifiedUser } from "./auth.js";
import type { ChatStorage, StorageKeys } from "./storage.js";

/** What of the client identify() and reset() work with. */
export interface IdentityContext {
  storage: ChatStorage;
  keys: StorageKeys;
  publishableKey: string;
  /** Null with `getToken` (the app's own tokens). */
  session: SessionTokens | null;
  /** The site's token the session was identified with (in this page), to renew it after a 401. */
  held?: { subject: string; userToken: string } | undefined;
  /**
   * `POST /v1/auth/sign-in/jwt` (with the guest's bearer token, if any), retried through
   * transport failures, 5xx and a busy guest chat: the server merges the guest exactly once.
   */
  exchange(userToken: string, guestToken: string | null): Promise<{ token: string; body: { user?: { id?: unknown }; merged?: { chats?: unknown } | null } | null }>;
  /** Revokes the session on the server; never rejects (offline, it expires on its own). */
  signOut(token: string): Promise<void>;
  /** Removes everything stored under the client's prefix. */
  clearStored(): Promise<void>;
  /** Ends every open tail; resolves with the chats they showed. */
  closeTails(): Promise<string[]>;
  /** Drops queued sends and pending messages (the next send starts a new outbox). */
  discardSends(): Promise<void>;
}

/** The session of `userToken`'s user, in the shape stored; `merged`: chats of the guest it received. */
export async function verifiedSession(ctx: IdentityContext, userToken: string, guestToken: string | null): Promise<Session & { merged: number }> {
  const { token, body } = await ctx.exchange(userToken, guestToken);
  const merged = body?.merged?.chats;
  return { token, user: { id: String(body?.user?.id), subject: subjectOf(userToken) ?? "", key: ctx.publishableKey }, merged: typeof merged === "number" ? merged : 0 };
}

export async function identify(ctx: IdentityContext, userToken: string): Promise<{ userId: string; merged: number }> {
  const { session, storage, keys } = ctx;
  if (!session) throw new TypeError("open-chat: identify() needs the built-in sessions (no getToken)");
  const subject = subjectOf(userToken);
  const now = await session.replace(async (same) => same); // a look, once no sign-in runs
  const hold = () => subject !== null && (ctx.held = { subject, userToken });
  if (now.token && now.user && subject !== null && now.user.subject === subject && now.user.key === ctx.publishableKey) {
    hold();
    return { userId: now.user.id, merged: 0 };
  }
  if (now.user) await reset(ctx); // another verified user: never merge one user into another
  let merged = 0;
  const next = await session.replace(async (before) => {
    const result = await verifiedSession(ctx, userToken, before.user ? null : before.token);
    merged = result.merged;
    return result;
  });
  hold();
  // The guest's chats now live in the user's log, at other offsets: read them from the start.
  const closed = await ctx.closeTails();
  for (const key of (await storage.keys?.().catch(() => null)) ?? closed.map(keys.tail)) {
    if (key.startsWith(keys.tail(""))) await storage.delete(key).catch(() => {});
  }
  return { userId: next.user!.id, merged };
}

/** A new session for the verified `user` whose session was refused, from the site's token held for them. */
export async function renew(ctx: IdentityContext, user: VerifiedUser): Promise<Session | null> {
  return ctx.held?.subject === user.subject ? verifiedSession(ctx, ctx.held.userToken, null) : null;
}

export async function reset(ctx: IdentityContext): Promise<void> {
  await ctx.closeTails();
  await ctx.discardSends();
  const forget = async (now: Session): Promise<Session> => {
    if (now.token) await ctx.signOut(now.token);
    await ctx.clearStored();
    return { token: null, user: null };
  };
  await (ctx.session ? ctx.session.replace(forget) : forget({ token: null, user: null }));
}

/**
 * The `sub` claim of a JWT, read without verifying it (the server verifies): the client only
 * compares it with the one it stored, to recognise the user it is signed in as. Null when it
 * is not a JWT. (Read as Latin-1: a non-ASCII `sub` reads the same wrong way each time.)
 */
function subjectOf(userToken: string): string | null {
  try {
    const sub: unknown = JSON.parse(atob(userToken.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/"))).sub;
    return typeof sub === "string" ? sub : null;
  } catch {
    return null;
  }
}
