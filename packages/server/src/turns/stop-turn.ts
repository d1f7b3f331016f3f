/**
 * Durable stop (invariant 5): the request is recorded on the chat row first, then the holder is
 * woken wherever it runs — here directly, elsewhere through the stop bus (LISTEN/NOTIFY); a
 * holder that missed the notification finds the request at its next lease renewal. When the
 * holder is already dead (its lease lapsed) this process takes the lease over and ends the
 * answer as stopped at once — a stopped answer is never continued. Idempotent.
 */
import type { EndUser } from "../env.js";
import type { GenerationRegistry } from "../generation/registry.js";
import type { LeaseStore } from "../leases/lease-store.js";
import type { StopBus } from "../leases/stop-bus.js";
import { resumeTurn, type ResumeDeps } from "./resume-turn.js";

export interface StopDeps extends ResumeDeps {
  leases: Pick<LeaseStore, "requestStop" | "takeOver" | "release">;
  generations: Pick<GenerationRegistry, "stop" | "start">;
  stopBus: Pick<StopBus, "publish">;
  leaseMs: number;
}

/** True when an answer was running (it is stopped or being stopped). */
export async function stopTurn(deps: StopDeps, user: EndUser, chatId: string, by: "user" | "system"): Promise<boolean> {
  const request = await deps.leases.requestStop(chatId, by);
  if (!request) return false;
  if (deps.generations.stop(chatId, by)) return true;
  if (!request.expired) {
    await deps.stopBus.publish(stopMessage(chatId, by));
    return true;
  }
  const mine = await deps.leases.takeOver(request, deps.holder, deps.leaseMs);
  if (mine) {
    const lease = { ...mine, tenantId: user.tenantId, userId: user.id, model: null, stopRequestedBy: by, closeWithError: null, deleted: false };
    await resumeTurn(deps, lease);
  }
  return true;
}

/** The stop bus payload: `<by>:<chatId>` (chat ids are ours; `by` has no colon). */
export function stopMessage(chatId: string, by: "user" | "system"): string {
  return `${by}:${chatId}`;
}

export function parseStopMessage(payload: string): { chatId: string; by: "user" | "system" } | null {
  const colon = payload.indexOf(":");
  const by = payload.slice(0, colon);
  if (colon < 0 || (by !== "user" && by !== "system")) return null;
  return { chatId: payload.slice(colon + 1), by };
}
