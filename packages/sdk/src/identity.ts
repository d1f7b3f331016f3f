/**
 * The two session calls besides guest sign-in: exchanging a tenant-signed user token (JWT) for
 * a session of that verified user (`POST /v1/auth/sign-in/jwt`, merging the guest's chats when
 * the guest's token goes along), and signing out (`POST /v1/auth/sign-out`).
 */
import { API_PATH, HEADER } from "@open-chat/shared";
import { errorFrom, sendRaw, type Endpoint } from "./http.js";

export interface VerifiedSession {
  token: string;
  userId: string;
  /** Chats of the guest that now belong to the verified user (0 when no guest went along). */
  merged: number;
}

/** Exchanges `userToken`; `guestToken` (a guest's bearer token) has the guest's chats merged, exactly once. */
export async function exchangeUserToken(endpoint: Endpoint, userToken: string, guestToken: string | null): Promise<VerifiedSession> {
  const request = { method: "POST", path: API_PATH.signInJwt, body: { token: userToken } };
  const response = await sendRaw(endpoint, request, guestToken);
  if (!response.ok) throw await errorFrom(response, { method: request.method, url: request.path });
  const body = (await response.json().catch(() => null)) as { token?: unknown; user?: { id?: unknown }; merged?: { chats?: unknown } | null } | null;
  // As for guests: the header carries the signed token; the body's raw token is accepted too.
  const token = response.headers.get(HEADER.authToken) ?? (typeof body?.token === "string" ? body.token : null);
  const userId = body?.user?.id;
  if (!token || typeof userId !== "string") throw await errorFrom(new Response(null, { status: 502 }), { method: request.method, url: request.path });
  return { token, userId, merged: typeof body?.merged?.chats === "number" ? body.merged.chats : 0 };
}

/** Revokes the session on the server. Best effort: any failure is ignored (the caller forgets the token anyway). */
export async function signOut(endpoint: Endpoint, token: string): Promise<void> {
  try {
    const response = await sendRaw(endpoint, { method: "POST", path: API_PATH.signOut, body: {} }, token);
    await response.body?.cancel().catch(() => {});
  } catch {
    // Offline or the server is gone: the session expires on its own.
  }
}

/**
 * The `sub` claim of a JWT, read without verifying it (the server verifies): the client only
 * uses it to recognise the user it is already signed in as. Null when it is not a JWT.
 */
export function subjectOf(userToken: string): string | null {
  try {
    const payload = userToken.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/");
    const json = new TextDecoder().decode(Uint8Array.from(atob(payload), (c) => c.charCodeAt(0)));
    const sub: unknown = JSON.parse(json).sub;
    return typeof sub === "string" ? sub : null;
  } catch {
    return null;
  }
}
