/** Guest sign-in over HTTP, the way the SDK starts a session. */
import { API_PATH, HEADER } from "@open-chat/shared";

export interface GuestSignInOptions {
  /** The site's publishable key (`X-Open-Chat-Key`). Default: none (a server without tenants). */
  publishableKey?: string;
  /** The page origin the request claims (`Origin`). Default: none, like a non-browser client. */
  origin?: string;
}

/** Signs in as a new guest and returns the bearer token. */
export async function signInAsGuest(baseUrl: string, options: GuestSignInOptions = {}): Promise<string> {
  const headers: Record<string, string> = { "Content-Type": "application/json", ...siteHeaders(options) };
  const response = await fetch(`${baseUrl}${API_PATH.signInAnonymous}`, { method: "POST", headers, body: "{}" });
  const token = response.headers.get(HEADER.authToken);
  if (response.status !== 200 || !token) throw new Error(`sign-in failed: ${response.status} ${await response.text()}`);
  return token;
}

/** The headers a page of a site sends: its publishable key and its origin. */
export function siteHeaders(options: GuestSignInOptions): Record<string, string> {
  return {
    ...(options.publishableKey ? { [HEADER.publishableKey]: options.publishableKey } : {}),
    ...(options.origin ? { Origin: options.origin } : {}),
  };
}
