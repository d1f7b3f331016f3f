/**
 * The operator CLI end to end: `open-chat tenant|key|user` as a child process (the source through
 * tsx, so a stale build can never be what passes) against a throwaway Postgres database and
 * against an embedded DATA_DIR, with a real server using what the CLI made; then the printed
 * publishable key used from real pages in Chromium, on the tenant's origin and on another one.
 * The many command-line refusals run the same entry in this process (`inProcess`).
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { API_PATH, HEADER } from "@open-chat/shared";
import { SignJWT } from "jose";
import pg from "pg";
import {
  createTestDatabase,
  launchChromium,
  makeTempDir,
  removeDir,
  signInAsGuest,
  siteHeaders,
  startTestServer,
  type TestDatabase,
  type TestServer,
} from "@open-chat/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runOperatorCommand } from "../src/cli/operator.js";
import { configFromEnv } from "../src/config.js";
import { LOCK_FILE } from "../src/db/folder-lock.js";
import { userStreamName } from "../src/log/stream-names.js";
import { startServer } from "../src/runtime.js";
import { createStreamsClient } from "../src/streams/client/http-client.js";
import type { StreamsClient } from "../src/streams/client/types.js";
import { startEmbeddedStreams, type EmbeddedStreams } from "../src/streams/tier/embedded.js";

const PACKAGE_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const CLI = join(PACKAGE_ROOT, "src", "cli.ts");

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (for `--json` runs). */
  json: any;
}

/** `open-chat <args>` with only the configuration given here (none inherited from the test's environment); nothing on stdin. */
async function openChat(env: Record<string, string>, ...args: string[]): Promise<Run> {
  return spawnOpenChat(env, args);
}

/** `open-chat <args>` with `stdin` piped into it (how secrets are given). */
async function openChatPiping(stdin: string, env: Record<string, string>, ...args: string[]): Promise<Run> {
  return spawnOpenChat(env, args, stdin);
}

async function spawnOpenChat(env: Record<string, string>, args: string[], stdin?: string): Promise<Run> {
  const child = spawn(process.execPath, ["--import", "tsx", CLI, ...args], {
    cwd: PACKAGE_ROOT,
    env: { ...process.env, DATABASE_URL: "", STREAMS_URL: "", STREAMS_API_KEY: "", ENCRYPTION_KEY: "", OPERATOR_KEY: "", OPEN_CHAT_JWT_SECRET: "", OPEN_CHAT_PROVIDER_KEY: "", ...env },
    // Without stdin: /dev/null, an empty standard input that is not a terminal.
    stdio: [stdin === undefined ? "ignore" : "pipe", "pipe", "pipe"],
  });
  if (stdin !== undefined) {
    // A refused command line exits before reading: the pipe then breaks, which is no failure of the test.
    child.stdin!.on("error", () => {});
    child.stdin!.end(stdin);
  }
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (chunk) => (stdout += chunk));
  child.stderr!.on("data", (chunk) => (stderr += chunk));
  const [code] = (await once(child, "close")) as [number | null];
  return runOf(code, stdout, stderr);
}

/** A finished run; stdout read as JSON when it is one (`--json` runs). */
function runOf(code: number | null, stdout: string, stderr: string): Run {
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch {
    json = undefined;
  }
  return { code, stdout, stderr, json };
}

/** The operator entry the binary runs (`runOperatorCommand`), in this process, output captured as the binary prints it. */
async function inProcess(env: Record<string, string>, args: string[], stdin?: string): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const code = await runOperatorCommand(args, {
    env,
    stdin: { isTTY: false, read: async () => stdin ?? "" },
    stdout: (text) => void (stdout += text + "\n"),
    stderr: (text) => void (stderr += text + "\n"),
  });
  return runOf(code, stdout, stderr);
}

/** Every row of every table, as JSON text (to prove a secret is stored in none of them in plain text). */
async function wholeDatabase(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const tables = await client.query<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'");
    const rows: string[] = [];
    for (const { table_name } of tables.rows) {
      rows.push(...(await client.query<{ row: string }>(`SELECT row_to_json(t)::text AS row FROM "${table_name}" t`)).rows.map((r) => r.row));
    }
    return rows.join("\n");
  } finally {
    await client.end();
  }
}

/** What the test needs of a running server (the two backends' servers differ in type, not in shape). */
interface RunningServer {
  url: string;
  chatRow(chatId: string): Promise<{ userId: string; tenantId: string }>;
  readStream(name: string): Promise<unknown>;
  close(): Promise<void>;
}

/** A server on the data the CLI works on, the way an operator runs both. */
interface Backend {
  env: Record<string, string>;
  /** Real Postgres: the CLI works next to a running server. Embedded folder: only once it stopped. */
  concurrent: boolean;
  startServer(): Promise<RunningServer>;
  /** The streams tier holding the users' streams (for the embedded folder: opened when no server runs). */
  withStreams<T>(use: (streams: StreamsClient) => Promise<T>): Promise<T>;
  dispose(): Promise<void>;
}

async function postgresBackend(): Promise<Backend> {
  const dataDir = makeTempDir("open-chat-cli-");
  const database = await createTestDatabase();
  // One streams tier for the server and the CLI (STREAMS_URL), as in production.
  const tier = await startEmbeddedStreams({ dataDir: join(dataDir, "tier") });
  return {
    env: { DATABASE_URL: database.url, STREAMS_URL: tier.url, DATA_DIR: dataDir },
    concurrent: true,
    async startServer() {
      const server = await startTestServer({ database, streams: { url: tier.url } });
      return runningServer(server.url, server.services, () => server.close());
    },
    withStreams: (use) => use(createStreamsClient({ baseUrl: tier.url })),
    async dispose() {
      await tier.close();
      await database.drop();
      removeDir(dataDir);
    },
  };
}

async function embeddedBackend(): Promise<Backend> {
  const dataDir = makeTempDir("open-chat-cli-");
  return {
    env: { DATA_DIR: dataDir },
    concurrent: false,
    async startServer() {
      const server = await startServer(configFromEnv({ DATA_DIR: dataDir, PORT: "0", SHUTDOWN_GRACE_MS: "5000" }), () => {});
      return runningServer(server.url, server.services, () => server.close());
    },
    async withStreams(use) {
      const local = await startEmbeddedStreams({ dataDir: join(dataDir, "streams") });
      try {
        return await use(createStreamsClient({ baseUrl: local.url }));
      } finally {
        await local.close();
      }
    },
    async dispose() {
      removeDir(dataDir);
    },
  };
}

function runningServer(
  url: string,
  services: { prisma: { chat: { findUniqueOrThrow(args: { where: { id: string } }): Promise<{ userId: string; tenantId: string }> } }; streams: { read(name: string): Promise<unknown> } },
  close: () => Promise<void>,
): RunningServer {
  return {
    url,
    chatRow: (id) => services.prisma.chat.findUniqueOrThrow({ where: { id } }),
    readStream: (name) => services.streams.read(name),
    close,
  };
}

const SHOP_ORIGIN = "http://shop.test";

async function createChatAs(url: string, token: string, publishableKey: string): Promise<Response> {
  return fetch(`${url}${API_PATH.chats}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}`, ...siteHeaders({ publishableKey, origin: SHOP_ORIGIN }) },
    body: "{}",
  });
}

describe.each([
  ["a Postgres database (DATABASE_URL)", postgresBackend],
  ["an embedded DATA_DIR", embeddedBackend],
])("open-chat on %s", (_name, makeBackend) => {
  let backend: Backend;
  let run: (...args: string[]) => Promise<Run>;
  let publishableKey: string;
  let secretKeyId: string;

  beforeAll(async () => {
    backend = await makeBackend();
    run = (...args) => openChat(backend.env, ...args);
  }, 60_000);
  afterAll(() => backend?.dispose());

  it("tenant create makes the tenant and a publishable key (--json)", async () => {
    const created = await run(
      "tenant", "create", "--json", "--id", "shop", "--name", "The Shop", "--origin", SHOP_ORIGIN, "--origin", "https://shop.example/",
      "--default-model", "small", "--allowed-model", "large", "--max-output-tokens", "500", "--system-prompt", "Be brief.",
    );
    expect(created.stderr).not.toMatch(/error/i);
    expect(created.code).toBe(0);
    expect(created.json.tenant).toMatchObject({
      id: "shop",
      name: "The Shop",
      allowedOrigins: [SHOP_ORIGIN, "https://shop.example"],
      guestsAllowed: true,
      modelPolicy: { defaultModel: "small", allowedModels: ["large"], maxOutputTokens: 500, systemPrompt: "Be brief." },
    });
    expect(created.json.publishableKey).toMatchObject({ tenantId: "shop", kind: "publishable", key: expect.stringMatching(/^pk_[\w-]{43}$/), revokedAt: null });
    publishableKey = created.json.publishableKey.key;
  }, 60_000);

  it("tenant create prints the id and the key for a person, and refuses a taken id", async () => {
    const created = await run("tenant", "create", "--name", "Blog of Mine", "--origin", "https://blog.example", "--no-guests");
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^created tenant blog-of-mine-[a-z0-9]{6}\n/);
    expect(created.stdout).toMatch(/^ {2}guests +not allowed$/m);
    expect(created.stdout).toMatch(/^ {2}publishable key +pk_[\w-]{43}$/m);

    const taken = await run("tenant", "create", "--json", "--id", "shop", "--name", "Again", "--origin", "https://again.example");
    expect(taken.code).toBe(1);
    expect(taken.json).toEqual({ error: { code: "conflict", message: "tenant shop already exists" } });
  }, 60_000);

  it("key create prints a secret key once, with a warning; lists never show it again", async () => {
    const created = await run("key", "create", "--tenant", "shop", "--kind", "secret", "--name", "backend", "--json");
    expect(created.code).toBe(0);
    expect(created.json.apiKey).toMatchObject({ tenantId: "shop", kind: "secret", name: "backend", key: expect.stringMatching(/^sk_[\w-]{43}$/) });
    expect(created.stderr).toMatch(/cannot be shown again/);
    const secret: string = created.json.apiKey.key;
    secretKeyId = created.json.apiKey.id;

    const shown = await run("tenant", "show", "shop", "--json");
    expect(shown.code).toBe(0);
    expect(shown.stdout).not.toContain(secret);
    expect(shown.json.tenant.id).toBe("shop");
    expect(shown.json.counts).toEqual({ users: 0, chats: 0 });
    expect(shown.json.apiKeys.map((k: { kind: string; display: string }) => [k.kind, k.display])).toEqual([
      ["publishable", publishableKey],
      ["secret", `sk_…${secret.slice(-4)}`],
    ]);
    expect(shown.json.apiKeys.every((k: object) => !("key" in k))).toBe(true);

    const human = await run("tenant", "show", "shop");
    expect(human.code).toBe(0);
    expect(human.stdout).not.toContain(secret);
    expect(human.stdout).toMatch(/^ {2}origins +http:\/\/shop\.test, https:\/\/shop\.example$/m);
    expect(human.stdout).toMatch(new RegExp(`^${secretKeyId} +secret +sk_…${secret.slice(-4)} +backend `, "m"));
  }, 60_000);

  it("tenant list shows every tenant (table, or --json)", async () => {
    const listed = await run("tenant", "list", "--json");
    expect(listed.code).toBe(0);
    expect(listed.json.tenants.map((t: { id: string }) => t.id)).toEqual(["default", "shop", expect.stringMatching(/^blog-of-mine-/)]);
    const table = await run("tenant", "list");
    expect(table.stdout.split("\n")[0]).toMatch(/^ID +NAME +ORIGINS +GUESTS +CREATED$/);
    expect(table.stdout).toMatch(/^shop +The Shop +http:\/\/shop\.test,https:\/\/shop\.example +yes /m);
  }, 60_000);

  it("key revoke revokes once (again is a no-op) and key list shows it", async () => {
    const revoked = await run("key", "revoke", "--tenant", "shop", secretKeyId, "--json");
    expect(revoked.code).toBe(0);
    expect(revoked.json.apiKey).toMatchObject({ id: secretKeyId, kind: "secret", revokedAt: expect.any(String) });
    const again = await run("key", "revoke", "--tenant", "shop", secretKeyId, "--json");
    expect(again.json.apiKey.revokedAt).toBe(revoked.json.apiKey.revokedAt);

    const listed = await run("key", "list", "--tenant", "shop", "--json");
    expect(listed.json.apiKeys.map((k: { kind: string; revokedAt: string | null }) => [k.kind, k.revokedAt !== null])).toEqual([
      ["publishable", false],
      ["secret", true],
    ]);
    const unknown = await run("key", "revoke", "--tenant", "shop", "key_nope", "--json");
    expect(unknown.code).toBe(1);
    expect(unknown.json.error.code).toBe("key_not_found");
    // Another tenant's key is not found either.
    const foreign = await run("key", "revoke", "--tenant", "default", secretKeyId, "--json");
    expect(foreign.json.error.code).toBe("key_not_found");
  }, 60_000);

  it("user delete removes the end user's rows and their stream", async () => {
    const server = await backend.startServer();
    let userId: string;
    let running = true;
    try {
      const token = await signInAsGuest(server.url, { publishableKey, origin: SHOP_ORIGIN });
      const chat = await createChatAs(server.url, token, publishableKey);
      expect(chat.status).toBe(201);
      const row = await server.chatRow(((await chat.json()) as { id: string }).id);
      userId = row.userId;
      expect(row.tenantId).toBe("shop");
      // The user's stream exists before the delete.
      await expect(server.readStream(userStreamName({ id: userId, tenantId: "shop" }))).resolves.toBeDefined();
      if (!backend.concurrent) {
        await server.close();
        running = false;
      }
      const shown = await run("tenant", "show", "shop", "--json");
      expect(shown.json.counts).toEqual({ users: 1, chats: 1 });

      const deleted = await run("user", "delete", "--tenant", "shop", userId, "--json");
      expect(deleted.stderr).toBe("");
      expect(deleted.code).toBe(0);
      expect(deleted.json).toEqual({ deleted: { userId, tenantId: "shop", chats: 1, streamDeleted: true } });

      expect((await run("tenant", "show", "shop", "--json")).json.counts).toEqual({ users: 0, chats: 0 });
      const again = await run("user", "delete", "--tenant", "shop", userId);
      expect(again.code).toBe(1);
      expect(again.stderr).toBe(`open-chat: tenant shop has no user ${userId}\n`);
    } finally {
      if (running) await server.close();
    }
    await backend.withStreams(async (streams) => {
      await expect(streams.read(userStreamName({ id: userId, tenantId: "shop" }))).rejects.toMatchObject({ status: 404 });
    });
  }, 120_000);

  it("answers tenant_not_found for a tenant that does not exist", async () => {
    for (const args of [
      ["tenant", "show", "nowhere"],
      ["tenant", "update", "nowhere", "--name", "Somewhere"],
      ["key", "create", "--tenant", "nowhere", "--kind", "secret"],
      ["key", "list", "--tenant", "nowhere"],
      ["user", "delete", "--tenant", "nowhere", "u1"],
    ]) {
      const result = await run(...args, "--json");
      expect(result.code, args.join(" ")).toBe(1);
      expect(result.json.error).toEqual({ code: "tenant_not_found", message: "no tenant nowhere" });
    }
    const human = await run("tenant", "show", "nowhere");
    expect(human.code).toBe(1);
    expect(human.stdout).toBe("");
    expect(human.stderr).toBe("open-chat: no tenant nowhere\n");
  }, 120_000);

  it("tenant update changes only what it names (--json and human)", async () => {
    const created = await run("tenant", "create", "--json", "--id", "news", "--name", "News", "--origin", "https://news.example", "--default-model", "small", "--max-output-tokens", "500");
    expect(created.code).toBe(0);

    const updated = await run(
      "tenant", "update", "news", "--json", "--name", " Daily News ", "--add-origin", "http://localhost:5173/", "--add-origin", "https://news.example",
      "--no-guests", "--context-tokens", "4000", "--allowed-model", "large",
    );
    expect(updated.stderr).toBe("");
    expect(updated.code).toBe(0);
    expect(updated.json).toEqual({ tenant: expect.objectContaining({ id: "news", name: "Daily News", allowedOrigins: ["https://news.example", "http://localhost:5173"], guestsAllowed: false }) });
    // Policy flags change their own field: the default model and output budget from create stay.
    expect(updated.json.tenant.modelPolicy).toEqual({ defaultModel: "small", maxOutputTokens: 500, contextTokens: 4000, allowedModels: ["large"] });
    expect(updated.json.tenant.jwt).toEqual({ hasSecret: false, jwksUrl: null, issuer: null, audience: null });

    const removed = await run("tenant", "update", "news", "--remove-origin", "https://news.example", "--remove-origin", "https://never.example", "--guests");
    expect(removed.code).toBe(0);
    expect(removed.stderr).toBe("open-chat: not an allowed origin of tenant news, nothing to remove: https://never.example\n");
    expect(removed.stdout).toMatch(/^updated tenant news\n {2}name +Daily News\n {2}origins +http:\/\/localhost:5173\n {2}guests +allowed\n/);
    expect(removed.stdout).toMatch(/^ {2}model policy +default small; allowed large; max output 500 tokens; context 4000 tokens$/m);

    const replaced = await run("tenant", "update", "news", "--origin", "https://www.news.example", "--origin", "https://m.news.example", "--json");
    expect(replaced.json.tenant.allowedOrigins).toEqual(["https://www.news.example", "https://m.news.example"]);

    // The output budget must leave the prompt room in the context the tenant already has.
    const tooLong = await run("tenant", "update", "news", "--max-output-tokens", "4000", "--json");
    expect(tooLong.code).toBe(1);
    expect(tooLong.json.error).toEqual({ code: "invalid_request", message: "--max-output-tokens (4000) must be less than --context-tokens (4000): the prompt needs room too" });

    const shown = await run("tenant", "show", "news", "--json");
    expect(shown.json.tenant).toMatchObject({ name: "Daily News", guestsAllowed: true, allowedOrigins: ["https://www.news.example", "https://m.news.example"], modelPolicy: { maxOutputTokens: 500 } });
  }, 120_000);
});

describe("open-chat on an embedded DATA_DIR a server is using", () => {
  it("refuses with conflict and leaves the running server's data alone", async () => {
    const dataDir = makeTempDir("open-chat-cli-");
    const server = await startServer(configFromEnv({ DATA_DIR: dataDir, PORT: "0" }), () => {});
    try {
      const refused = await openChat({ DATA_DIR: dataDir }, "tenant", "create", "--name", "Shop", "--origin", SHOP_ORIGIN, "--json");
      expect(refused.code).toBe(1);
      expect(refused.json.error.code).toBe("conflict");
      expect(refused.json.error.message).toContain(`in use by process ${process.pid}`);
      // The server still works on its data, and nothing was created behind its back.
      expect((await server.services.prisma.tenant.findMany()).map((t) => t.id)).toEqual(["default"]);
      await signInAsGuest(server.url);
    } finally {
      await server.close();
      removeDir(dataDir);
    }
  }, 120_000);

  it("takes over the lock a killed server left behind", async () => {
    const dataDir = makeTempDir("open-chat-cli-");
    try {
      // A real pid that no longer runs: a child that has exited (and been reaped).
      const gone = spawn(process.execPath, ["-e", ""]);
      await once(gone, "exit");
      const listed = await openChat({ DATA_DIR: dataDir }, "tenant", "list", "--json");
      expect(listed.code).toBe(0);
      writeFileSync(join(dataDir, "postgres", LOCK_FILE), JSON.stringify({ pid: gone.pid }) + "\n");
      const again = await openChat({ DATA_DIR: dataDir }, "tenant", "list", "--json");
      expect(again.code).toBe(0);
      expect(again.json.tenants.map((t: { id: string }) => t.id)).toEqual(["default"]);
    } finally {
      removeDir(dataDir);
    }
  }, 120_000);
});

describe("open-chat tenant update with secrets: from stdin or the environment, used by a server, never in plain text", () => {
  const ENCRYPTION_KEY = "cli-test-encryption-key-0123456789abcdef";
  const SITE_ORIGIN = "https://site.example";
  const FIRST_SECRET = "first-jwt-secret-from-stdin-0123456789abcdef";
  const SECOND_SECRET = "second-jwt-secret-from-env-0123456789abcdef";
  const CREATE_SECRET = "created-with-the-tenant-0123456789abcdef";
  const PROVIDER_KEY = "sk-provider-key-from-stdin-0123456789";
  const SECRETS = [FIRST_SECRET, SECOND_SECRET, CREATE_SECRET, PROVIDER_KEY];
  let database: TestDatabase;
  let dataDir: string;
  let server: TestServer;
  let env: Record<string, string>;
  let publishableKey: string;
  /** Everything every run printed. */
  const printed: string[] = [];

  const cli = async (stdin: string | undefined, extraEnv: Record<string, string>, ...args: string[]) => {
    const result = await spawnOpenChat({ ...env, ...extraEnv }, args, stdin);
    printed.push(result.stdout, result.stderr);
    return result;
  };
  const hs256 = (secret: string, sub: string, issuer?: string) => {
    const jwt = new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject(sub).setIssuedAt().setExpirationTime("5m");
    if (issuer) jwt.setIssuer(issuer);
    return jwt.sign(new TextEncoder().encode(secret));
  };
  const signIn = async (key: string, token: string) => {
    const response = await fetch(`${server.url}${API_PATH.signInJwt}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", ...siteHeaders({ publishableKey: key, origin: SITE_ORIGIN }) },
      body: JSON.stringify({ token }),
    });
    return { status: response.status, body: (await response.json()) as any };
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    dataDir = makeTempDir("open-chat-cli-");
    env = { DATABASE_URL: database.url, DATA_DIR: dataDir, ENCRYPTION_KEY };
    const created = await cli(undefined, {}, "tenant", "create", "--id", "site", "--name", "Site", "--origin", SITE_ORIGIN, "--json");
    expect(created.code).toBe(0);
    publishableKey = created.json.publishableKey.key;
    // A real server on the same database, with the same server key as the CLI.
    server = await startTestServer({ database, encryptionKey: ENCRYPTION_KEY });
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await database?.drop();
    if (dataDir) removeDir(dataDir);
  });

  it("sets the JWT secret from stdin: the server exchanges a JWT signed with it (and with the issuer set) for a session", async () => {
    const updated = await cli(`  ${FIRST_SECRET}\n`, {}, "tenant", "update", "site", "--jwt-secret-stdin", "--jwt-issuer", "https://backend.site.example", "--json");
    expect(updated.stderr).toBe("");
    expect(updated.code).toBe(0);
    expect(updated.json.tenant.jwt).toEqual({ hasSecret: true, jwksUrl: null, issuer: "https://backend.site.example", audience: null });

    const session = await signIn(publishableKey, await hs256(FIRST_SECRET, "customer-1", "https://backend.site.example"));
    expect(session.status).toBe(200);
    expect(session.body.user).toMatchObject({ isAnonymous: false });
    expect(await server.services.prisma.user.findUniqueOrThrow({ where: { id: session.body.user.id } })).toMatchObject({ tenantId: "site", externalId: "customer-1" });
    // The issuer set with it is checked; another secret is refused.
    expect((await signIn(publishableKey, await hs256(FIRST_SECRET, "customer-1"))).body.error.code).toBe("invalid_user_token");
    expect((await signIn(publishableKey, await hs256(SECOND_SECRET, "customer-1", "https://backend.site.example"))).status).toBe(401);
  }, 60_000);

  it("rotates the JWT secret from the environment: the new one works at once, the old one no longer", async () => {
    const updated = await cli(undefined, { OPEN_CHAT_JWT_SECRET: SECOND_SECRET }, "tenant", "update", "site", "--jwt-secret-from-env");
    expect(updated.code).toBe(0);
    expect(updated.stdout).toMatch(/^ {2}end-user JWT +HS256 secret; issuer https:\/\/backend\.site\.example$/m);
    expect((await signIn(publishableKey, await hs256(SECOND_SECRET, "customer-2", "https://backend.site.example"))).status).toBe(200);
    const old = await signIn(publishableKey, await hs256(FIRST_SECRET, "customer-2", "https://backend.site.example"));
    expect(old).toMatchObject({ status: 401, body: { error: { code: "invalid_user_token" } } });
  }, 60_000);

  it("tenant create takes the JWT secret from stdin too", async () => {
    const created = await cli(CREATE_SECRET, {}, "tenant", "create", "--id", "blog", "--name", "Blog", "--origin", SITE_ORIGIN, "--jwt-secret-stdin");
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^ {2}end-user JWT +HS256 secret$/m);
    const blogKey = /publishable key +(pk_\S+)/.exec(created.stdout)![1]!;
    expect((await signIn(blogKey, await hs256(CREATE_SECRET, "reader"))).status).toBe(200);
    // Each site's secret signs for that site only.
    expect((await signIn(blogKey, await hs256(SECOND_SECRET, "reader", "https://backend.site.example"))).status).toBe(401);
  }, 60_000);

  it("sets and clears a provider with its key from stdin; keeps every secret sealed in the database", async () => {
    const set = await cli(PROVIDER_KEY, {}, "tenant", "update", "site", "--provider-base-url", "http://127.0.0.1:9/v1", "--provider-key-stdin", "--json");
    expect(set.code).toBe(0);
    expect(set.json.tenant.provider).toEqual({ baseUrl: "http://127.0.0.1:9/v1", hasApiKey: true });
    // The server opens what the CLI sealed: the same secrets, under the same ENCRYPTION_KEY.
    expect(await server.services.tenants.tenantSecrets("site")).toEqual({ providerApiKey: PROVIDER_KEY, jwtSecret: SECOND_SECRET });

    const rows = await wholeDatabase(database.url);
    expect(rows).toContain('"id":"site"');
    for (const secret of SECRETS) expect(rows).not.toContain(secret);

    const cleared = await cli(undefined, {}, "tenant", "update", "site", "--clear-provider", "--json");
    expect(cleared.json.tenant.provider).toBeNull();
    expect(await server.services.tenants.tenantSecrets("site")).toEqual({ jwtSecret: SECOND_SECRET });
  }, 60_000);

  it("--clear-jwt ends verified sign-ins (the issuer stays for the next secret)", async () => {
    const cleared = await cli(undefined, {}, "tenant", "update", "site", "--clear-jwt", "--json");
    expect(cleared.code).toBe(0);
    expect(cleared.json.tenant.jwt).toEqual({ hasSecret: false, jwksUrl: null, issuer: "https://backend.site.example", audience: null });
    const refused = await signIn(publishableKey, await hs256(SECOND_SECRET, "customer-2", "https://backend.site.example"));
    expect(refused).toMatchObject({ status: 401, body: { error: { code: "invalid_user_token" } } });
  }, 60_000);

  it("printed no secret, in any run", () => {
    expect(printed.join("\n")).toContain("updated tenant site");
    for (const secret of SECRETS) expect(printed.join("\n")).not.toContain(secret);
  });
});

describe.concurrent("open-chat command lines", () => {
  // Nothing here may reach a database: one that cannot be reached proves it.
  const env = { DATABASE_URL: "postgres://postgres@127.0.0.1:1/unreachable", DATA_DIR: "/nonexistent/open-chat" };
  // Refusals run in this process (the same entry the binary calls, with its output captured):
  // hundreds of child processes cost minutes. `open-chat` as a real process is proven above.
  const openChat = (runEnv: Record<string, string>, ...args: string[]) => inProcess(runEnv, args);
  const openChatPiping = (stdin: string, runEnv: Record<string, string>, ...args: string[]) => inProcess(runEnv, args, stdin);

  it.each([
    ["an origin with a path", ["tenant", "create", "--name", "Shop", "--origin", "https://shop.example/page"], /--origin: "https:\/\/shop\.example\/page" is not an origin/],
    ["an origin that is not http(s)", ["tenant", "create", "--name", "Shop", "--origin", "ftp://shop.example"], /--origin: "ftp:\/\/shop\.example" is not an origin/],
    ["a tenant id with capitals", ["tenant", "create", "--name", "Shop", "--origin", SHOP_ORIGIN, "--id", "Shop"], /--id: "Shop" is not a tenant id/],
    ["a tenant id with a dot", ["tenant", "show", "a.b"], /tenant id: "a\.b" is not a tenant id/],
    ["a bad --tenant", ["key", "list", "--tenant", "x_y"], /--tenant: "x_y" is not a tenant id/],
    ["an empty name", ["tenant", "create", "--name", " ", "--origin", SHOP_ORIGIN], /--name: must not be empty/],
    ["a key kind that does not exist", ["key", "create", "--tenant", "shop", "--kind", "admin"], /--kind: "admin" is not one of publishable, secret/],
    ["a token limit that is not a number", ["tenant", "create", "--name", "S", "--origin", SHOP_ORIGIN, "--max-output-tokens", "lots"], /--max-output-tokens: "lots" is not a whole number/],
    ["a token limit of 0", ["tenant", "create", "--name", "S", "--origin", SHOP_ORIGIN, "--max-output-tokens", "0"], /--max-output-tokens: /],
    ["a model name with spaces", ["tenant", "create", "--name", "S", "--origin", SHOP_ORIGIN, "--default-model", "a b"], /--default-model: /],
    ["an output budget that fills the context", ["tenant", "create", "--name", "S", "--origin", SHOP_ORIGIN, "--max-output-tokens", "5000", "--context-tokens", "4000"], /--max-output-tokens \(5000\) must be less than --context-tokens \(4000\)/],
    ["an update's origin with a path", ["tenant", "update", "shop", "--origin", "https://shop.example/page"], /--origin: "https:\/\/shop\.example\/page" is not an origin/],
    ["an added origin that is not http(s)", ["tenant", "update", "shop", "--add-origin", "ftp://shop.example"], /--add-origin: "ftp:\/\/shop\.example" is not an origin/],
    ["a removed origin that is no origin", ["tenant", "update", "shop", "--remove-origin", "shop.example"], /--remove-origin: "shop\.example" is not an origin/],
    ["a JWKS URL over plain http to another machine", ["tenant", "update", "shop", "--jwks-url", "http://keys.example/jwks.json"], /--jwks-url: must be an https URL \(http only for localhost or 127\.0\.0\.1\)/],
    ["an empty issuer", ["tenant", "update", "shop", "--jwt-issuer", ""], /--jwt-issuer: /],
    ["an update's output budget over its context", ["tenant", "update", "shop", "--max-output-tokens", "4000", "--context-tokens", "4000"], /--max-output-tokens \(4000\) must be less than --context-tokens \(4000\)/],
    ["a secret from an unset variable", ["tenant", "update", "shop", "--jwt-secret-from-env"], /--jwt-secret-from-env: OPEN_CHAT_JWT_SECRET is not set/],
    ["a secret from an empty standard input (not a terminal)", ["tenant", "update", "shop", "--jwt-secret-stdin"], /--jwt-secret-stdin: standard input is empty/],
    ["a provider key from an empty standard input", ["tenant", "update", "shop", "--provider-base-url", "https://p.example/v1", "--provider-key-stdin"], /--provider-key-stdin: standard input is empty/],
  ])("refuses %s: exit 1, invalid_request", async (_name, args, message) => {
    const [human, json] = await Promise.all([openChat(env, ...args), openChat(env, ...args, "--json")]);
    expect(human.code).toBe(1);
    expect(human.stdout).toBe("");
    expect(human.stderr).toMatch(message);
    expect(human.stderr.trim().split("\n")).toHaveLength(1);
    expect(json.code).toBe(1);
    expect(json.json.error.code).toBe("invalid_request");
    expect(json.json.error.message).toMatch(message);
  }, 60_000);

  it.each([
    ["an unknown command", ["frobnicate"], /^open-chat: unknown command "frobnicate"\nusage: open-chat <command>/],
    ["an unknown subcommand", ["tenant", "frobnicate"], /^open-chat: unknown command "tenant frobnicate"\nusage:\n {2}open-chat tenant create /],
    ["a group alone", ["key"], /^open-chat: key: which command\?\nusage:\n {2}open-chat key create /],
    ["an unknown option", ["tenant", "list", "--all"], /^open-chat: Unknown option '--all'\nusage: open-chat tenant list \[--json\]\n$/],
    ["a missing required option", ["tenant", "create", "--origin", SHOP_ORIGIN], /^open-chat: --name is required\nusage: open-chat tenant create /],
    ["no origin", ["tenant", "create", "--name", "Shop"], /^open-chat: --origin is required/],
    ["an option without its value", ["key", "list", "--tenant"], /^open-chat: Option '--tenant <value>' argument missing\n/],
    ["a missing argument", ["tenant", "show"], /^open-chat: missing argument\nusage: open-chat tenant show <id>/],
    ["an extra argument", ["tenant", "list", "extra"], /^open-chat: unexpected argument "extra"\n/],
    ["a tenant update that changes nothing", ["tenant", "update", "shop"], /^open-chat: nothing to update: name at least one setting\nusage: open-chat tenant update <id> /],
    ["a secret as an argument", ["tenant", "update", "shop", "--jwt-secret", "0123456789abcdef0123456789abcdef"], /^open-chat: Unknown option '--jwt-secret'\n/],
    ["both secrets on standard input", ["tenant", "update", "shop", "--jwt-secret-stdin", "--provider-base-url", "https://p.example/v1", "--provider-key-stdin"], /^open-chat: --jwt-secret-stdin and --provider-key-stdin: standard input holds one secret; give the other with --provider-key-from-env \(OPEN_CHAT_PROVIDER_KEY\)\n/],
    ["one secret from two places", ["tenant", "update", "shop", "--jwt-secret-stdin", "--jwt-secret-from-env"], /^open-chat: --jwt-secret-stdin and --jwt-secret-from-env: give one\n/],
    ["--guests with --no-guests", ["tenant", "update", "shop", "--guests", "--no-guests"], /^open-chat: --guests and --no-guests: give one\n/],
    ["--origin with --add-origin", ["tenant", "update", "shop", "--origin", SHOP_ORIGIN, "--add-origin", "https://b.example"], /^open-chat: --origin and --add-origin: give one\n/],
    ["--clear-jwt with a new secret", ["tenant", "update", "shop", "--clear-jwt", "--jwt-secret-stdin"], /^open-chat: --clear-jwt and --jwt-secret-stdin: give one\n/],
    ["--clear-provider with a provider", ["tenant", "update", "shop", "--clear-provider", "--provider-base-url", "https://p.example/v1", "--provider-key-from-env"], /^open-chat: --clear-provider and --provider-base-url: give one\n/],
    ["a provider URL without its key", ["tenant", "update", "shop", "--provider-base-url", "https://p.example/v1"], /^open-chat: --provider-base-url and its key \(--provider-key-stdin or --provider-key-from-env\) go together\n/],
    ["a provider key without its URL", ["tenant", "update", "shop", "--provider-key-from-env"], /go together\n/],
  ])("refuses %s: exit 2 with the usage", async (_name, args, stderr) => {
    // A command the operator entry does not know is refused by the binary's own dispatcher.
    const result = args[0] === "frobnicate" ? await spawnOpenChat(env, args) : await openChat(env, ...args);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(stderr);
  }, 60_000);

  it.each([
    ["a JWT secret under 32 characters", ["--jwt-secret-stdin"], "too-short-secret", /^--jwt-secret-stdin: at least 32 characters$/],
    ["two lines", ["--jwt-secret-stdin"], "first-line-0123456789abcdef0123456789\nsecond-line-0123456789abcdef0123456789\n", /^--jwt-secret-stdin: standard input holds more than one line$/],
    ["a provider key for a URL that is not http(s)", ["--provider-base-url", "ftp://p.example", "--provider-key-stdin"], "sk-provider-0123456789", /^--provider-base-url: must be an http\(s\) URL$/],
    ["a provider key with a control character", ["--provider-base-url", "https://p.example/v1", "--provider-key-stdin"], "sk-provider\u0007-0123456789", /^--provider-key-stdin: must not contain control characters$/],
  ])("refuses a secret on stdin that is %s, without printing it", async (_name, flags, secret, message) => {
    const [human, json] = await Promise.all([openChatPiping(secret, env, "tenant", "update", "shop", ...flags), openChatPiping(secret, env, "tenant", "update", "shop", ...flags, "--json")]);
    expect(human.code).toBe(1);
    expect(human.stderr).toMatch(/^open-chat: .+\n$/);
    expect(json.code).toBe(1);
    expect(json.json.error.code).toBe("invalid_request");
    expect(json.json.error.message).toMatch(message);
    for (const run of [human, json]) for (const part of secret.trim().split("\n")) expect(run.stdout + run.stderr).not.toContain(part);
  }, 60_000);

  it("refuses a short secret from the environment, without printing it", async () => {
    const result = await openChat({ ...env, OPEN_CHAT_JWT_SECRET: "too-short-secret" }, "tenant", "update", "shop", "--jwt-secret-from-env", "--json");
    expect(result.code).toBe(1);
    expect(result.json.error).toEqual({ code: "invalid_request", message: "--jwt-secret-from-env: at least 32 characters" });
    expect(result.stdout + result.stderr).not.toContain("too-short-secret");
  }, 60_000);

  it("refuses to read a secret from a terminal (nothing piped in): exit 2, standard input untouched", async () => {
    const out: string[] = [];
    const err: string[] = [];
    let read = false;
    const code = await runOperatorCommand(["tenant", "update", "shop", "--jwt-secret-stdin"], {
      env,
      stdin: { isTTY: true, read: async () => ((read = true), "") },
      stdout: (text) => out.push(text),
      stderr: (text) => err.push(text),
    });
    expect(code).toBe(2);
    expect(read).toBe(false);
    expect(out).toEqual([]);
    expect(err.join("\n")).toMatch(/^open-chat: --jwt-secret-stdin reads the secret from standard input, which is a terminal: pipe it in \(printf '%s' "\$SECRET" \| open-chat …\) or use --jwt-secret-from-env with OPEN_CHAT_JWT_SECRET\nusage: open-chat tenant update /);
  });

  it("answers a usage error with --json as a JSON error too", async () => {
    const result = await openChat(env, "tenant", "list", "--all", "--json");
    expect(result.code).toBe(2);
    expect(result.json).toEqual({ error: { code: "invalid_request", message: "Unknown option '--all'" } });
    expect(result.stderr).toMatch(/^open-chat: Unknown option '--all'\nusage: /);
  }, 60_000);

  it("prints the help of a command and of a group", async () => {
    const command = await openChat(env, "key", "create", "--help");
    expect(command.code).toBe(0);
    expect(command.stdout).toMatch(/^usage: open-chat key create --tenant <id> --kind publishable\|secret/);
    expect(command.stdout).toMatch(/shown only this once/);
    const group = await openChat(env, "user", "--help");
    expect(group.code).toBe(0);
    expect(group.stdout).toBe("usage:\n  open-chat user delete --tenant <id> <userId> [--json]\n");
  }, 60_000);
});

describe("a tenant made with the CLI, used from real pages in Chromium", () => {
  let database: TestDatabase;
  let dataDir: string;
  const pages: Server[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    dataDir = makeTempDir("open-chat-cli-");
  });
  afterAll(async () => {
    for (const page of pages) page.close();
    await database?.drop();
    if (dataDir) removeDir(dataDir);
  });

  /** A page server on its own loopback port: its own origin. */
  async function startPage(): Promise<string> {
    const server = createServer((_req, res) => res.writeHead(200, { "Content-Type": "text/html" }).end("<!doctype html><title>a site</title>"));
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    pages.push(server);
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it("signs in and creates a chat from the tenant's origin; a page on another origin is refused", async () => {
    const [siteOrigin, otherOrigin] = [await startPage(), await startPage()];
    const created = await openChat({ DATABASE_URL: database.url, DATA_DIR: dataDir }, "tenant", "create", "--name", "Site", "--origin", siteOrigin, "--json");
    expect(created.code).toBe(0);
    const tenantId: string = created.json.tenant.id;
    const publishableKey: string = created.json.publishableKey.key;

    const server = await startTestServer({ database });
    const browser = await launchChromium();
    try {
      const fromPage = async (origin: string) => {
        const page = await browser.newPage();
        await page.goto(origin);
        const result = await page.evaluate(
          async ({ api, key, paths, headers }) => {
            try {
              const signIn = await fetch(api + paths.signIn, { method: "POST", headers: { "Content-Type": "application/json", [headers.key]: key }, body: "{}" });
              const token = signIn.headers.get(headers.token);
              if (signIn.status !== 200 || !token) return { signIn: signIn.status, chat: null };
              const chat = await fetch(api + paths.chats, {
                method: "POST",
                headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}`, [headers.key]: key },
                body: "{}",
              });
              return { signIn: signIn.status, chat: chat.status };
            } catch (error) {
              return { signIn: `refused: ${String(error)}`, chat: null };
            }
          },
          { api: server.url, key: publishableKey, paths: { signIn: API_PATH.signInAnonymous, chats: API_PATH.chats }, headers: { key: HEADER.publishableKey, token: HEADER.authToken } },
        );
        await page.close();
        return result;
      };

      expect(await fromPage(siteOrigin)).toEqual({ signIn: 200, chat: 201 });
      const users = await server.services.prisma.user.findMany({ where: { tenantId }, include: { chats: true } });
      expect(users).toHaveLength(1);
      expect(users[0]!.chats).toHaveLength(1);

      // Another origin: CORS does not let the page read an answer (or the server answers 403 origin_not_allowed).
      const other = await fromPage(otherOrigin);
      expect(other.chat).toBeNull();
      expect(String(other.signIn)).toMatch(/^(refused: TypeError|403$)/);
      expect(await server.services.prisma.user.count({ where: { tenantId } })).toBe(1);
    } finally {
      await browser.close();
      await server.close();
    }
  }, 120_000);
});
