/**
 * Secret keys and the secrets a site gives us (its provider API key, its JWT signing secret)
 * never appear in plain text in the database or in the server's output: every row of every
 * table is searched, and everything the process printed while the secrets were created and
 * used is captured.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import pg from "pg";
import { SignJWT } from "jose";
import { API_PATH, HEADER } from "@open-chat/shared";
import { createTestTenant, siteHeaders, startTestServer, type TestServer } from "@open-chat/testing";

const JWT_SECRET = "jwt-secret-that-must-stay-sealed-0123456789";
const PROVIDER_KEY = "sk-or-provider-key-that-must-stay-sealed-42";
let server: TestServer;
let printed: string[] = [];
const originals = { log: console.log, warn: console.warn, error: console.error, info: console.info, debug: console.debug };
const writes = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());
beforeEach(() => {
  printed = [];
  for (const level of Object.keys(originals) as Array<keyof typeof originals>) console[level] = (...args: unknown[]) => void printed.push(args.map(String).join(" "));
  process.stdout.write = ((chunk: string | Uint8Array) => (printed.push(String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => (printed.push(String(chunk)), true)) as typeof process.stderr.write;
});
afterEach(() => {
  Object.assign(console, originals);
  process.stdout.write = writes.out as typeof process.stdout.write;
  process.stderr.write = writes.err as typeof process.stderr.write;
});

/** Every row of every table of the server's schema, as JSON text. */
async function wholeDatabase(): Promise<string> {
  const client = new pg.Client({ connectionString: server.database.url });
  await client.connect();
  try {
    const tables = await client.query<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'");
    expect(tables.rows.map((r) => r.table_name)).toEqual(expect.arrayContaining(["tenant", "api_key", "user", "session"]));
    const dumps: string[] = [];
    for (const { table_name } of tables.rows) {
      const rows = await client.query(`SELECT row_to_json(t)::text AS row FROM "${table_name}" t`);
      dumps.push(...rows.rows.map((r: { row: string }) => r.row));
    }
    return dumps.join("\n");
  } finally {
    await client.end();
  }
}

describe("secrets at rest", () => {
  it("keeps keys hashed and site secrets sealed, in the database and in the logs", async () => {
    const site = await createTestTenant(server.services, { jwtSecret: JWT_SECRET });
    await server.services.tenants.update(site.id, { provider: { baseUrl: "http://127.0.0.1:9/v1", apiKey: PROVIDER_KEY } });
    // Use them: a request with each key, a JWT sign-in with the sealed secret.
    const token = await new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject("u1").setIssuedAt().setExpirationTime("5m").sign(new TextEncoder().encode(JWT_SECRET));
    const signIn = await fetch(`${server.url}${API_PATH.signInJwt}`, { method: "POST", headers: { "Content-Type": "application/json", ...siteHeaders({ publishableKey: site.publishableKey }) }, body: JSON.stringify({ token }) });
    expect(signIn.status).toBe(200);
    const misuse = await fetch(`${server.url}${API_PATH.chats}`, { headers: { [HEADER.publishableKey]: site.secretKey } });
    expect(misuse.status).toBe(401);

    const database = await wholeDatabase();
    for (const secret of [site.secretKey, JWT_SECRET, PROVIDER_KEY]) {
      expect(database).not.toContain(secret);
      expect(printed.join("\n")).not.toContain(secret);
    }
    // What the store returns about the site says that secrets exist, never what they are.
    const record = JSON.stringify(await server.services.tenants.get(site.id));
    expect(record).toContain('"hasApiKey":true');
    expect(record).toContain('"hasSecret":true');
    for (const secret of [JWT_SECRET, PROVIDER_KEY]) expect(record).not.toContain(secret);
    // The server itself can still open them.
    expect(await server.services.tenants.tenantSecrets(site.id)).toEqual({ providerApiKey: PROVIDER_KEY, jwtSecret: JWT_SECRET });
  });
});
