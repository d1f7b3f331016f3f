/**
 * Process entry: reconnect catch-up. For each size K (CATCHUP_SIZES, e.g. 100,1000,10000) one
 * chat gets K events, written straight into its user's stream on the tier (renames: small,
 * valid events, written in batches so filling is quick), then a tail reconnects from the start:
 * time until it has caught up (SSE, first `upToDate` control frame) and until the catch-up JSON
 * pages reach the end, with the events counted.
 *
 * Environment: APP_URL, TIER_URL, TIER_API_KEY, CATCHUP_SIZES.
 */
import { nowUs } from "./clock.js";
import { errorCodeOf, httpJson, openSse } from "./http.js";
import { runWorker } from "./worker.js";

export interface CatchUpResult {
  events: number;
  sseMs: number;
  sseEvents: number;
  jsonMs: number;
  jsonEvents: number;
  jsonPages: number;
}

const BATCH = 500;

runWorker(async (): Promise<CatchUpResult[]> => {
  const appUrl = process.env.APP_URL;
  const tierUrl = process.env.TIER_URL;
  if (!appUrl || !tierUrl) throw new Error("APP_URL and TIER_URL are required");
  const tierAuth: Record<string, string> = process.env.TIER_API_KEY ? { authorization: `Bearer ${process.env.TIER_API_KEY}` } : {};
  const sizes = (process.env.CATCHUP_SIZES ?? "100,1000,10000").split(",").map(Number);
  const results: CatchUpResult[] = [];
  for (const size of sizes) {
    const signIn = await httpJson("POST", `${appUrl}/v1/auth/sign-in/anonymous`, {}, {});
    const token = signIn.headers["set-auth-token"];
    if (signIn.status !== 200 || typeof token !== "string") throw new Error(`sign-in: ${errorCodeOf(signIn)}`);
    const auth = { authorization: `Bearer ${token}` };
    const session = (await httpJson("GET", `${appUrl}/v1/auth/get-session`, auth)).body as { user: { id: string } };
    const chat = await httpJson("POST", `${appUrl}/v1/chats`, auth, {});
    if (chat.status !== 201) throw new Error(`create chat: ${errorCodeOf(chat)}`);
    const chatId = (chat.body as { id: string }).id;

    const stream = `${tierUrl}/v1/stream/oc.default.${session.user.id}`;
    for (let from = 0; from < size; from += BATCH) {
      const batch = Array.from({ length: Math.min(BATCH, size - from) }, (_, k) => ({
        v: 1, id: `bench-fill:${from + k}`, type: "chat.renamed", chatId, at: new Date().toISOString(), title: `title ${from + k}`,
      }));
      const appended = await httpJson("POST", stream, { ...tierAuth, "stream-key": `chat:${chatId}` }, batch);
      if (appended.status >= 300) throw new Error(`fill ${size}: tier answered ${appended.status}`);
    }

    // SSE from the start until caught up.
    let sseEvents = 0;
    let caughtUp!: () => void;
    const upToDate = new Promise<void>((resolve) => (caughtUp = resolve));
    const sseStart = nowUs();
    const tail = await openSse(`${appUrl}/v1/chats/${chatId}/events?live=sse&offset=-1`, {
      headers: auth,
      onFrame(frame) {
        if (frame.event === "data") sseEvents += (JSON.parse(frame.data) as unknown[]).length;
        else if (frame.event === "control" && (JSON.parse(frame.data) as { upToDate?: boolean }).upToDate) caughtUp();
      },
    });
    await upToDate;
    const sseMs = (nowUs() - sseStart) / 1000;
    tail.close();

    // Catch-up JSON, page after page.
    let jsonEvents = 0;
    let jsonPages = 0;
    let offset = "-1";
    const jsonStart = nowUs();
    for (;;) {
      const page = await httpJson("GET", `${appUrl}/v1/chats/${chatId}/events?offset=${encodeURIComponent(offset)}`, auth);
      if (page.status !== 200) throw new Error(`catch-up: ${errorCodeOf(page)}`);
      jsonPages++;
      jsonEvents += (page.body as unknown[]).length;
      offset = String(page.headers["stream-next-offset"]);
      if (page.headers["stream-up-to-date"] === "true") break;
    }
    results.push({ events: size, sseMs, sseEvents, jsonMs: (nowUs() - jsonStart) / 1000, jsonEvents, jsonPages });
  }
  return results;
});
