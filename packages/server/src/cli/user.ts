/** `open-chat user delete`: an end user and all their data (Postgres rows and their stream). */
import { deleteEndUser } from "../users/delete-user.js";
import { requiredOption, tenantIdArg, textArg } from "./args.js";
import { defineCommand, type Command } from "./command.js";
import { CommandError } from "./errors.js";
import { requireTenant } from "./key.js";

const remove = defineCommand({
  name: "user delete",
  synopsis: "--tenant <id> <userId> [--json]",
  description: [
    "Deletes an end user of a tenant with all their data: their stream (every message) first, then their",
    "chats, sessions and account. If the streams tier is unreachable nothing is deleted; run it again.",
  ].join("\n"),
  options: { tenant: { type: "string" } },
  positionals: 1,
  parse: (args) => ({ tenantId: tenantIdArg(requiredOption(args, "tenant"), "--tenant"), userId: textArg(args.positionals[0]!, "user id", 200) }),
  async run({ tenantId, userId }, data) {
    await requireTenant(data, tenantId);
    // The streams tier starts only once the user is found: an unknown user needs none.
    const streams = { deleteStream: async (name: string) => (await data.streams()).deleteStream(name) };
    const deleted = await deleteEndUser({ prisma: data.prisma, streams }, tenantId, userId);
    if (!deleted) throw new CommandError("user_not_found", `tenant ${tenantId} has no user ${userId}`);
    const stream = deleted.streamDeleted ? "their stream deleted" : "they had no stream";
    return { json: { deleted }, human: `deleted user ${userId} of tenant ${tenantId}: ${deleted.chats} chat(s), ${stream}` };
  },
});

export const userCommands: Command[] = [remove];
