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
 *    Before the window, IDLE_SETTLE_MS lets the app park the upstream reads of the quiet streams
 *    (a remote tier; the app then runs with a shorter TAIL_PARK_AFTER_MS, see extras.ts) and
 *    its heap's quiet mode compact what the openings left (extras.ts).
 *
 * Environment: APP_URL, APP_PID, TIER_PID (optional), IDLE_LEVELS, IDLE_WINDOW_MS, IDLE_SETTLE_MS,
 * IDLE_PARK_SETTLE_MS (0: no parked fan-out round), FANOUT_TAILS.
 */
import { envNumber } from "./answers.js";
import { nowUs } from "./clock.js";
import { guestWithChat } from "./guests.js";
import { inLanes } from "./lanes.js";
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
  fanOut?: { tails: number; latency: Summary; missing: number; parked?: { latency: Summary; missing: number } };
}

runWorker(async (): Promise<IdleResult> => {
  const appUrl = process.env.APP_URL;
  if (!appUrl) throw new Error("APP_URL is required");
  const appPid = envNumber("APP_PID", 0);
  const tierPid = envNumber("TIER_PID", 0);
  const levels = (process.env.IDLE_LEVELS ?? "500,1000,2000").split(",").map(Number);
  const windowMs = envNumber("IDLE_WINDOW_MS", 12_000);
  const settleMs = envNumber("IDLE_SETTLE_MS", 0);
  // The fan-out's second round waits only for the chat's upstream read to park (remote tier).
  const parkSettleMs = envNumber("IDLE_PARK_SETTLE_MS", 0);
  const fanOutTails = envNumber("FANOUT_TAILS", 1000);

  const closers: Array<() => void> = [];
  const results: IdleLevel[] = [];
  const baselineFds = fdCount(appPid);
  let refusedAt: number | undefined;
  for (const level of levels) {
    const start = nowUs();
    try {
      await inLanes(level - closers.length, 16, async () => {
        const { auth, chatId } = await guestWithChat(appUrl);
        closers.push(await caughtUpTail(appUrl, auth, chatId, () => {}));
      });
    } catch (error) {
      if (!(error instanceof TailRefused)) throw error;
      refusedAt = closers.length;
      break;
    }
    const openMs = (nowUs() - start) / 1000;
    if (settleMs > 0) await new Promise((resolve) => setTimeout(resolve, settleMs)); // quiet streams park, the heap compacts
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
    /** Receipt latencies of the current round's rename, one per tail. */
    let received: number[] = [];
    let title = "";
    let renameAt = 0;
    let allReceived = Promise.withResolvers<void>();
    await inLanes(fanOutTails, 16, async () => {
      let seen = "";
      closers.push(
        await caughtUpTail(appUrl, auth, chatId, (types) => {
          if (seen !== title && types.includes("chat.renamed")) {
            seen = title;
            received.push((nowUs() - renameAt) / 1000);
            if (received.length === fanOutTails) allReceived.resolve();
          }
        }),
      );
    });
    /** One rename, and when each tail had it (a tail that never gets it within 30 s counts as missing). */
    const round = async (name: string) => {
      received = [];
      title = name;
      allReceived = Promise.withResolvers<void>();
      renameAt = nowUs();
      const renamed = await httpJson("PATCH", `${appUrl}/v1/chats/${chatId}`, auth, { title: name });
      if (renamed.status !== 200) throw new Error(`rename: ${errorCodeOf(renamed)}`);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([allReceived.promise, new Promise((resolve) => (timer = setTimeout(resolve, 30_000)))]);
      clearTimeout(timer);
      return { latency: summarize(received), missing: fanOutTails - received.length };
    };
    fanOut = { tails: fanOutTails, ...(await round("fan-out")) };
    if (parkSettleMs > 0) {
      // The chat is quiet again: its upstream read parks, and the next rename wakes it.
      await new Promise((resolve) => setTimeout(resolve, parkSettleMs));
      fanOut.parked = await round("fan-out, parked");
    }
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
