// A real Open Chat server for the widget's tests: embedded database and streams, and the
// project's own OpenAI-compatible model server, whose default reply understands one more
// directive than the built-in ones: `[[md:<base64url>]]` answers with exactly that markdown
// (a browser test can only script the model through what the user types).
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { configFromEnv, startServer } from "@open-chat/server";
import { startModelServer } from "@open-chat/server/model-server";

function lastUserText(request) {
  const message = [...request.messages].reverse().find((m) => m.role === "user");
  const content = message?.content;
  if (typeof content === "string") return content;
  return Array.isArray(content) ? content.map((part) => part.text ?? "").join("") : "";
}

export function defaultReply(request) {
  const text = lastUserText(request);
  const scripted = /\[\[md:([A-Za-z0-9_-]+)\]\]/.exec(text);
  if (scripted) return Buffer.from(scripted[1], "base64url").toString("utf8");
  const prompt = text.replace(/\[\[[^\]]*\]\]/g, "").replace(/\s+/g, " ").trim();
  return `You said: "${prompt}". This answer comes from the test model server.`;
}

const ADMIN_URL = process.env.TEST_DATABASE_ADMIN_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

/**
 * A throwaway database on the local Postgres (the server migrates it at start), or null when
 * there is none: the server then runs its embedded PGlite. Postgres is preferred because the
 * embedded PGlite socket mixes up concurrent clients' prepared statements (`08P01 bind message
 * supplies 3 parameters, but prepared statement "" requires 4`) under the widget's parallel requests.
 */
function createDatabase() {
  if (process.env.OPEN_CHAT_TEST_EMBEDDED_DB === "1") return null;
  const name = `open_chat_widget_${randomUUID().replaceAll("-", "").slice(0, 12)}`;
  try {
    execFileSync("psql", [ADMIN_URL, "-v", "ON_ERROR_STOP=1", "-qc", `CREATE DATABASE "${name}"`], { stdio: "pipe" });
  } catch {
    return null;
  }
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop() {
      execFileSync("psql", [ADMIN_URL, "-qc", `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`], { stdio: "pipe" });
    },
  };
}

/** Starts the model server and the Open Chat server on loopback ports; `close()` removes their data. */
export async function startBackend() {
  const dataDir = mkdtempSync(join(tmpdir(), "open-chat-widget-"));
  const database = createDatabase();
  const model = await startModelServer({ defaultReply });
  const cleanup = () => {
    rmSync(dataDir, { recursive: true, force: true });
    database?.drop();
  };
  let server;
  try {
    const env = { DATA_DIR: dataDir, PORT: "0", HOST: "127.0.0.1", OPENAI_BASE_URL: model.url, OPENAI_API_KEY: "test", MODEL: "open-chat-mock" };
    if (database) env.DATABASE_URL = database.url;
    server = await startServer(configFromEnv(env), () => {});
  } catch (error) {
    await model.close();
    cleanup();
    throw error;
  }
  return {
    url: server.url,
    embeddedDatabase: !database,
    server,
    model,
    async close() {
      await server.close();
      await model.close();
      cleanup();
    },
  };
}
