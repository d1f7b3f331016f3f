/** A guest of the app under load with one new chat: how every load worker sets up a user. */
import { errorCodeOf, httpJson } from "./http.js";

export async function guestWithChat(appUrl: string): Promise<{ auth: Record<string, string>; chatId: string }> {
  const signIn = await httpJson("POST", `${appUrl}/v1/auth/sign-in/anonymous`, {}, {});
  const token = signIn.headers["set-auth-token"];
  if (signIn.status !== 200 || typeof token !== "string") throw new Error(`sign-in: ${errorCodeOf(signIn)}`);
  const auth = { authorization: `Bearer ${token}` };
  const chat = await httpJson("POST", `${appUrl}/v1/chats`, auth, {});
  if (chat.status !== 201) throw new Error(`create chat: ${errorCodeOf(chat)}`);
  return { auth, chatId: (chat.body as { id: string }).id };
}
