/**
 * Process entry: what live tails cost when nothing happens, and how fast one append reaches
 * many of them.
 * 1. Idle capacity: one guest per tail (one chat each), tails opened level by level
 *    (IDLE_LEVELS, e.g. 500,1000,2000); once every tail has caught up, the app's RSS, open file
 *    descriptors and CPU over IDLE_WINDOW_MS are read from /proc (APP_PID, plus TIER_PID when
 *    the tier is its own process).
 * 2. Fan-out: FANOUT_TAILS tails of one chat (one user); one rename of the chat (one append);
 *    the time from the request to each tail's receipt.
 *
 * Environment: APP_URL, APP_PID, TIER_PID (optional), IDLE_LEVELS, IDLE_WINDOW_MS, FANOUT_TAILS.
 */
import { envNumber } from "./answers.js";
import { nowUs } from "./clock.js";
import { guestWithChat } from "./guests.js";
import { errorCodeOf, httpJson, openSse } from "./http.js";
import { cpuSeconds, fdCount, rssMb } from "./proc-stats.js";
import { summarize, type Summary } from "./stats.js";
import { runWorker } from "./worker.js";

export interface IdleLevel {
  tails: number;
  appRssMb: number;
  appFds: number;
  appIdleCpuPercent: number;
  tierIdleCpuPercent?: number;
  openMs: number;
}

export interface IdleResult {
  levels: IdleLevel[];
  /** The app refused a tail (429: its live-tail budget, from its open-file limit) at this many open tails; later levels were not run. */
  refusedAt?: number;
  fanOut?: { tails: number; latency: Summary; missing: number };
}

runWorker(async (): Promise<IdleResult> => {
  const appUrl = process.env.APP_URL;
  if (!appUrl) throw new Error("APP_URL is required");
  const appPid = envNumber("APP_PID", 0);
  const tierPid = envNumber("TIER_PID", 0);
  const levels = (process.env.IDLE_LEVELS ?? "500,1000,2000").split(",").map(Number);
  const windowMs = envNumber("IDLE_WINDOW_MS", 12_000);
  const fanOutTails = envNumber("FANOUT_TAILS", 1000);

  const closers: Array<() => void> = [];
  const results: IdleLevel[] = [];
  const baselineFds = fdCount(appPid);
  let refusedAt: number | undefined;
  for (const level of levels) {
    const start = nowUs();
    try {
      await inParallel(level - closers.length, 16, async () => {
        const { auth, chatId } = await guestWithChat(appUrl);
        closers.push(await caughtUpTail(appUrl, auth, chatId, () => {}));
      });
    } catch (error) {
      if (!(error instanceof TailRefused)) throw error;
      refusedAt = closers.length;
      break;
    }
    const openMs = (nowUs() - start) / 1000;
    const cpuBefore = cpuSeconds(appPid);
    const tierBefore = tierPid ? cpuSeconds(tierPid) : 0;
    await new Promise((resolve) => setTimeout(resolve, windowMs)); // the measuring window itself
    results.push({
      tails: level,
      appRssMb: Math.round(rssMb(appPid)),
      appFds: fdCount(appPid),
      appIdleCpuPercent: Math.round(((cpuSeconds(appPid) - cpuBefore) / (windowMs / 1000)) * 100),
      ...(tierPid ? { tierIdleCpuPercent: Math.round(((cpuSeconds(tierPid) - tierBefore) / (windowMs / 1000)) * 100) } : {}),
      openMs,
    });
  }
  for (const close of closers.splice(0)) close();
  // The fan-out is measured on an app that has finished tearing those tails down (its
  // descriptors back near where they started, at most 30 s), not while it still is.
  for (let waited = 0; fdCount(appPid) > baselineFds + 64 && waited < 30_000; waited += 200) await new Promise((resolve) => setTimeout(resolve, 200));

  let fanOut: IdleResult["fanOut"];
  if (fanOutTails > 0) {
    const { auth, chatId } = await guestWithChat(appUrl);
    const received: number[] = [];
    let renameAt = 0;
    let allReceived!: () => void;
    const everyTail = new Promise<void>((resolve) => (allReceived = resolve));
    await inParallel(fanOutTails, 16, async () => {
      let seen = false;
      closers.push(
        await caughtUpTail(appUrl, auth, chatId, (types) => {
          if (!seen && types.includes("chat.renamed")) {
            seen = true;
            received.push((nowUs() - renameAt) / 1000);
            if (received.length === fanOutTails) allReceived();
          }
        }),
      );
    });
    renameAt = nowUs();
    const renamed = await httpJson("PATCH", `${appUrl}/v1/chats/${chatId}`, auth, { title: "fan-out" });
    if (renamed.status !== 200) throw new Error(`rename: ${errorCodeOf(renamed)}`);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([everyTail, new Promise((resolve) => (timer = setTimeout(resolve, 30_000)))]); // a tail that never gets it counts as missing
    clearTimeout(timer);
    fanOut = { tails: fanOutTails, latency: summarize(received), missing: fanOutTails - received.length };
    for (const close of closers.splice(0)) close();
  }
  return { levels: results, ...(refusedAt !== undefined ? { refusedAt } : {}), ...(fanOut ? { fanOut } : {}) };
});

/** Opens a live SSE tail and resolves (with its closer) once it has caught up. */
async function caughtUpTail(appUrl: string, auth: Record<string, string>, chatId: string, onTypes: (types: string[]) => void): Promise<() => void> {
  let caughtUp!: () => void;
  const upToDate = new Promise<void>((resolve) => (caughtUp = resolve));
  const tail = await openSse(`${appUrl}/v1/chats/${chatId}/events?live=sse&offset=-1`, {
    headers: auth,
    onFrame(frame) {
      if (frame.event === "control") caughtUp();
      else if (frame.event === "data") onTypes((JSON.parse(frame.data) as Array<{ type: string }>).map((e) => e.type));
    },
  });
  if (tail.status === 429) throw new TailRefused();
  if (tail.status !== 200) throw new Error(`tail: status ${tail.status}`);
  await upToDate;
  return tail.close;
}

/** The app is at its live-tail budget. */
class TailRefused extends Error {}

/** Runs `task` `count` times, `width` at once; the first failure stops every lane (each finishes its task in hand) and is thrown. */
async function inParallel(count: number, width: number, task: () => Promise<void>): Promise<void> {
  let left = count;
  const lanes = await Promise.allSettled(
    Array.from({ length: Math.max(0, Math.min(width, count)) }, async () => {
      while (left > 0) {
        left--;
        try {
          await task();
        } catch (error) {
          left = 0;
          throw error;
        }
      }
    }),
  );
  const failure = lanes.find((lane) => lane.status === "rejected");
  if (failure) throw failure.reason;
}
