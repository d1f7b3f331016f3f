/**
 * `/v1/me` — the signed-in end user's own account. `DELETE` is self-service data deletion
 * (guests and verified users alike): running answers are stopped, then the user's stream and
 * every row of theirs are deleted (users/delete-user.ts); the token stops working at once.
 */
import { Hono } from "hono";
import { describeRoute } from "hono-openapi";
import * as v from "valibot";
import type { AppEnv } from "../env.js";
import { END_USER_SECURITY, errorResponses, jsonResponse } from "../http/openapi.js";
import type { Services } from "../services.js";
import { deleteEndUser } from "../users/delete-user.js";

const Deleted = v.object({ deleted: v.object({ userId: v.string(), chats: v.number(), streamDeleted: v.boolean() }) });

export function meRoutes(services: Services) {
  return new Hono<AppEnv>().delete(
    "/",
    describeRoute({
      tags: ["account"],
      summary: "Delete me and all my data",
      description: "Stops running answers, deletes the end user's stream (every message) and all their rows. The bearer token stops working.",
      security: END_USER_SECURITY,
      responses: { 200: jsonResponse("Deleted", Deleted), ...errorResponses(401, 403, 503) },
    }),
    async (c) => {
      const user = c.var.user;
      const running = await services.prisma.chat.findMany({ where: { userId: user.id, activeGenerationId: { not: null } }, select: { id: true } });
      for (const chat of running) await services.turns.stop(user, chat.id, "system");
      const deleted = await deleteEndUser(services, user.tenantId, user.id);
      return c.json({ deleted: { userId: user.id, chats: deleted?.chats ?? 0, streamDeleted: deleted?.streamDeleted ?? false } });
    },
  );
}
