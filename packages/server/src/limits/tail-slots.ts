/**
 * Live tails (SSE streams and long-poll waits) held open in this process, per end user and in
 * all: connections are a per-process resource (sockets, open files), so these counts live in
 * memory and are not shared between app servers. A slot is released exactly once, when the
 * response ends or the client goes away.
 */

export interface TailSlot {
  /** Idempotent. */
  release(): void;
}

export type TailRefusal = "tailsPerUser" | "tailsPerProcess";

export interface TailSlots {
  /** A slot for one tail of `userId` under `perUser` (0 = no per-user cap), or what refused it. */
  acquire(userId: string, perUser: number): TailSlot | TailRefusal;
  /** Tails open in this process. */
  readonly open: number;
  /** The process's cap (0 = none). */
  readonly processLimit: number;
  openOf(userId: string): number;
}

export function createTailSlots(processLimit: number): TailSlots {
  const byUser = new Map<string, number>();
  let open = 0;
  return {
    get open() {
      return open;
    },
    processLimit,
    openOf: (userId) => byUser.get(userId) ?? 0,
    acquire(userId, perUser) {
      const mine = byUser.get(userId) ?? 0;
      if (perUser > 0 && mine >= perUser) return "tailsPerUser";
      if (processLimit > 0 && open >= processLimit) return "tailsPerProcess";
      byUser.set(userId, mine + 1);
      open++;
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          open--;
          const left = (byUser.get(userId) ?? 1) - 1;
          if (left > 0) byUser.set(userId, left);
          else byUser.delete(userId);
        },
      };
    },
  };
}
