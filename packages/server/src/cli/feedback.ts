/**
 * `open-chat feedback list`: the 👍/👎 a tenant's end users gave answers, newest first — what
 * `GET /v1/admin/tenants/{tenantId}/feedback` answers, from the same store.
 */
import { createFeedbackStore, feedbackJson, type FeedbackRecord, type Rating } from "../annotations/feedback-store.js";
import { decodeKeysetCursor } from "../db/keyset-cursor.js";
import { integerOption, optionalOption, requiredOption, tenantIdArg } from "./args.js";
import { defineCommand, type Command } from "./command.js";
import { CommandError } from "./errors.js";
import { requireTenant } from "./key.js";
import { table, when } from "./output.js";

const RATINGS: readonly Rating[] = ["up", "down"];
/** A comment in the table is one line of at most this many characters (--json has it whole). */
const COMMENT_WIDTH = 60;

const list = defineCommand({
  name: "feedback list",
  synopsis: "--tenant <id> [--rating up|down] [--limit <1-100>] [--cursor <cursor>] [--json]",
  description: [
    "Lists the current 👍/👎 end users gave the tenant's answers, with their comments, newest first",
    "(by when the answer was first rated); a cleared one is left out. --limit rows per page (default 50);",
    "the next page is printed as a --cursor to pass back.",
  ].join("\n"),
  options: { tenant: { type: "string" }, rating: { type: "string" }, limit: { type: "string" }, cursor: { type: "string" } },
  parse(args) {
    const tenantId = tenantIdArg(requiredOption(args, "tenant"), "--tenant");
    const rating = optionalOption(args, "rating");
    if (rating !== undefined && !RATINGS.includes(rating as Rating)) throw new CommandError("invalid_request", `--rating: ${JSON.stringify(rating)} is not one of up, down`);
    const limit = integerOption(args, "limit") ?? 50;
    if (limit < 1 || limit > 100) throw new CommandError("invalid_request", "--limit: a whole number from 1 to 100");
    const cursor = optionalOption(args, "cursor");
    if (cursor !== undefined) {
      try {
        decodeKeysetCursor(cursor);
      } catch {
        throw new CommandError("invalid_request", "--cursor: not a cursor this command printed");
      }
    }
    return { tenantId, rating: rating as Rating | undefined, limit, cursor };
  },
  async run({ tenantId, rating, limit, cursor }, data) {
    await requireTenant(data, tenantId);
    const page = await createFeedbackStore(data.prisma).list(tenantId, { rating, limit, cursor });
    const json = { tenantId, feedback: page.feedback.map(feedbackJson), nextCursor: page.nextCursor };
    const human = [`feedback of tenant ${tenantId}${rating ? ` (${rating} only)` : ""}`, feedbackTable(page.feedback), ...(page.nextCursor ? [`more: --cursor ${page.nextCursor}`] : [])].join("\n");
    return { json, human };
  },
});

export const feedbackCommands: Command[] = [list];

function feedbackTable(rows: readonly FeedbackRecord[]): string {
  return table(
    ["RATED", "RATING", "USER", "CHAT", "MESSAGE", "COMMENT"],
    rows.map((row) => [when(row.createdAt), row.rating, row.userId, row.chatId, row.messageId, oneLine(row.comment ?? "")]),
  );
}

/** A comment on one table line: whitespace runs (newlines included) as one space, cut with "…". */
function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > COMMENT_WIDTH ? `${flat.slice(0, COMMENT_WIDTH - 1)}…` : flat;
}
