/**
 * prisma/schema.prisma and the committed migrations must describe the same database: the
 * schema engine (wasm build) replays the migrations into a shadow database and diffs it with
 * the schema. Fix a failure with `tsx scripts/migrations.ts create <name>`.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { TEST_DATABASE_ADMIN_URL } from "@open-chat/testing";
import { describe, expect, it } from "vitest";
import { defaultMigrationsDir } from "../src/db/migrate.js";
import { diffMigrationsToSchema } from "../scripts/schema-engine.js";

const schemaPath = fileURLToPath(new URL("../prisma/schema.prisma", import.meta.url));
const schema = readFileSync(schemaPath, "utf8");

const diff = (content: string) =>
  diffMigrationsToSchema({
    url: TEST_DATABASE_ADMIN_URL,
    migrationsDir: defaultMigrationsDir(),
    schema: { path: "schema.prisma", content },
  });

describe("schema drift", () => {
  it("schema.prisma needs no migration beyond the committed ones", async () => {
    const sql = await diff(schema);
    expect(sql, `schema.prisma and prisma/migrations differ; run \`tsx scripts/migrations.ts create <name>\`:\n${sql}`).toBe("");
  }, 30_000);

  it("detects a change the migrations do not have (the check can fail)", async () => {
    const changed = schema.replace(/model Tenant \{\n/, (head) => `${head}  plan String?\n`);
    expect(changed).not.toBe(schema);
    const sql = await diff(changed);
    expect(sql).toMatch(/ALTER TABLE "tenant" ADD COLUMN\s+"plan" TEXT/);
  }, 30_000);
});
