/**
 * A fresh Postgres database per step, on the server of `TEST_DATABASE_ADMIN_URL` (the variable
 * the tests use; default postgres://postgres@127.0.0.1:5432/postgres). Plain `pg` rather than
 * `@open-chat/testing`, whose entry point loads the built server: a rebuild running at the same
 * time must not break the bench's own start.
 */
import { randomUUID } from "node:crypto";
import pg from "pg";

export const ADMIN_URL = process.env.TEST_DATABASE_ADMIN_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export async function createBenchDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `open_chat_bench_${randomUUID().replaceAll("-", "").slice(0, 16)}`;
  await admin(`CREATE DATABASE "${name}"`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}
