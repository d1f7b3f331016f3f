/**
 * `/v1/admin/tenants/:tenantId/users`: a tenant's end users, their chats and transcripts, and
 * deleting a user with all their data (Postgres rows and their stream).
 */
import { Hono } from "hono";
import { validator } from "hono-openapi";
import { ApiError } from "../../http/api-error.js";
import { errorResponses, jsonResponse } from "../../http/openapi.js";
import { rejectInvalid } from "../../http/validation.js";
import type { AdminEnv } from "../../middleware/require-admin.js";
import type { Services } from "../../services.js";
import { deleteEndUser } from "../../users/delete-user.js";
import type { EndUsers } from "../../users/end-users.js";
import { readTranscript } from "../../users/transcript.js";
import { describeAdminRoute } from "./describe.js";
import { AdminChatListJson, DeletedUserJson, EndUserJson, EndUserPageJson, TranscriptJson, adminChatJson, endUserJson } from "./json.js";
import { UserChatParams, UserListQuery, UserParams } from "./schemas.js";

export function userRoutes(services: Pick<Services, "prisma" | "streams">, endUsers: EndUsers) {
  const userNotFound = (userId: string) => new ApiError(404, "user_not_found", `no user ${userId} in this tenant`);

  return new Hono<AdminEnv>()
    .get(
      "/:tenantId/users",
      describeAdminRoute({ summary: "List end users (newest first, paginated)", responses: { 200: jsonResponse("A page of users; pass nextCursor as cursor for the next", EndUserPageJson) } }),
      validator("query", UserListQuery, rejectInvalid),
      async (c) => {
        const { limit, cursor } = c.req.valid("query");
        const page = await endUsers.list(c.var.scopedTenant.id, { limit, cursor });
        return c.json({ users: page.users.map(endUserJson), nextCursor: page.nextCursor });
      },
    )
    .get(
      "/:tenantId/users/:userId",
      describeAdminRoute({ summary: "Show an end user", responses: { 200: jsonResponse("The user", EndUserJson) } }),
      validator("param", UserParams, rejectInvalid),
      async (c) => {
        const { userId } = c.req.valid("param");
        const user = await endUsers.get(c.var.scopedTenant.id, userId);
        if (!user) throw userNotFound(userId);
        return c.json(endUserJson(user));
      },
    )
    .delete(
      "/:tenantId/users/:userId",
      describeAdminRoute({
        summary: "Delete an end user with all their data",
        description: "Deletes the user's stream (every message) first, then their rows (sessions, chats, turns). When the streams tier is down nothing is deleted (503) and the call can be retried.",
        responses: { 200: jsonResponse("What was deleted", DeletedUserJson), ...errorResponses(503) },
      }),
      validator("param", UserParams, rejectInvalid),
      async (c) => {
        const { userId } = c.req.valid("param");
        const deleted = await deleteEndUser(services, c.var.scopedTenant.id, userId);
        if (!deleted) throw userNotFound(userId);
        return c.json({ userId: deleted.userId, chats: deleted.chats, streamDeleted: deleted.streamDeleted });
      },
    )
    .get(
      "/:tenantId/users/:userId/chats",
      describeAdminRoute({ summary: "List an end user's chats (newest activity first)", responses: { 200: jsonResponse("The user's chats", AdminChatListJson) } }),
      validator("param", UserParams, rejectInvalid),
      async (c) => {
        const { userId } = c.req.valid("param");
        const chats = await endUsers.chats(c.var.scopedTenant.id, userId);
        if (!chats) throw userNotFound(userId);
        return c.json({ chats: chats.map(adminChatJson) });
      },
    )
    .get(
      "/:tenantId/users/:userId/chats/:chatId",
      describeAdminRoute({
        summary: "Read a chat's transcript",
        description: "The chat's messages folded from the user's log, as a client would show them.",
        responses: { 200: jsonResponse("The chat and its messages", TranscriptJson), ...errorResponses(503) },
      }),
      validator("param", UserChatParams, rejectInvalid),
      async (c) => {
        const { userId, chatId } = c.req.valid("param");
        const tenantId = c.var.scopedTenant.id;
        const user = await endUsers.get(tenantId, userId);
        if (!user) throw userNotFound(userId);
        const chat = await endUsers.chat(tenantId, userId, chatId);
        if (!chat) throw new ApiError(404, "chat_not_found", `no chat ${chatId} of user ${userId}`);
        const messages = await readTranscript(services.streams, { id: userId, tenantId }, chatId);
        return c.json({ chat: adminChatJson(chat), messages });
      },
    );
}
