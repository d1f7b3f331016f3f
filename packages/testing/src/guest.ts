/** Guest sign-in over HTTP, the way the SDK starts a session. */
import { API_PATH, HEADER } from "@open-chat/shared";

/** Signs in as a new guest and returns the bearer token. */
export async function signInAsGuest(baseUrl: string): Promise<string> {
  const response = await fetch(`${baseUrl}${API_PATH.signInAnonymous}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" });
  const token = response.headers.get(HEADER.authToken);
  if (response.status !== 200 || !token) throw new Error(`sign-in failed: ${response.status} ${await response.text()}`);
  return token;
}
