/**
 * Opens what `open-chat serve` would open, from the same configuration (config.ts): Postgres at
 * DATABASE_URL or the embedded PGlite in DATA_DIR (migrated first, as serve does), the tenant
 * store with the same server key (ENCRYPTION_KEY, else DATA_DIR/encryption-key), and, only when
 * a command asks for it, the streams tier (STREAMS_URL, else the embedded one in DATA_DIR).
 *
 * The embedded database and streams can only be opened by one process at a time: while
 * `open-chat serve` runs on the folder, commands fail with `conflict` and touch nothing.
 */
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { StripeSettings } from "../billing/stripe/settings.js";
import type { ServerConfig } from "../config.js";
import { dataDirLayout, encryptionKeyOf } from "../data-dir.js";
import { createDb, type PrismaClient } from "../db/client.js";
import { startEmbeddedPostgres } from "../db/embedded-postgres.js";
import { FolderInUseError } from "../db/folder-lock.js";
import { applyMigrations } from "../db/migrate.js";
import { createStreamsClient } from "../streams/client/http-client.js";
import type { StreamsClient } from "../streams/client/types.js";
import { startEmbeddedStreams } from "../streams/tier/embedded.js";
import { createSecretBox, type SecretBox } from "../tenants/secret-box.js";
import { createTenantStore, type TenantStore } from "../tenants/tenant-store.js";
import { CommandError } from "./errors.js";

export interface OperatorData {
  prisma: PrismaClient;
  tenants: TenantStore;
  /** The streams tier, started on first use (only `user delete` needs it). */
  streams(): Promise<StreamsClient>;
  /** STRIPE_* and TOPUP_AMOUNTS_USD, as `serve` reads them (`credits checkout`). */
  stripe: StripeSettings | undefined;
  close(): Promise<void>;
}

const IN_USE_HINT = "stop `open-chat serve` on this DATA_DIR first, or set DATABASE_URL / STREAMS_URL to the ones it uses";

export async function openData(config: ServerConfig, notice: (line: string) => void): Promise<OperatorData> {
  const layout = dataDirLayout(config.dataDir);
  const stops: Array<() => Promise<unknown>> = [];
  const close = async () => {
    for (const stop of stops.splice(0).reverse()) await stop().catch(() => undefined);
  };
  try {
    let databaseUrl = config.databaseUrl;
    if (!databaseUrl) {
      if (!existsSync(join(layout.postgres, "PG_VERSION"))) {
        notice(`open-chat: no database in ${layout.root} yet, creating one (DATA_DIR or DATABASE_URL choose another)`);
      }
      const pg = await startEmbeddedPostgres({ dataDir: layout.postgres }).catch((error: unknown) => {
        if (error instanceof FolderInUseError) throw new CommandError("conflict", `the embedded database ${error.folder} is in use by process ${error.pid}: ${IN_USE_HINT}`);
        throw error;
      });
      stops.push(() => pg.stop());
      databaseUrl = pg.connectionString;
    }
    await applyMigrations({ connectionString: databaseUrl });
    // Embedded PGlite serves one session: one connection, as in runtime.ts.
    const db = createDb({ connectionString: databaseUrl, max: config.databaseUrl ? 2 : 1 });
    stops.push(() => db.close());

    let streams: Promise<StreamsClient> | undefined;
    return {
      prisma: db.prisma,
      tenants: createTenantStore(db.prisma, lazySecretBox(() => {
        mkdirSync(layout.root, { recursive: true });
        return encryptionKeyOf(config);
      })),
      streams: () => (streams ??= openStreams(config, layout.streams, stops)),
      stripe: config.settings.stripe,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

async function openStreams(config: ServerConfig, folder: string, stops: Array<() => Promise<unknown>>): Promise<StreamsClient> {
  if (config.streamsUrl) return createStreamsClient({ baseUrl: config.streamsUrl, apiKey: config.streamsApiKey });
  const local = await startEmbeddedStreams({ dataDir: folder }).catch((error: unknown) => {
    // streams-local's own folder lock (embedded.ts reports the holder in the message).
    if ((error as { cause?: { code?: string } }).cause?.code === "ELOCKED") throw new CommandError("conflict", `${(error as Error).message}: ${IN_USE_HINT}`);
    throw error;
  });
  stops.push(() => local.close());
  return createStreamsClient({ baseUrl: local.url });
}

/**
 * The server key is read (or, in an embedded folder, created) only when a secret is sealed or
 * opened: listing tenants against a production DATABASE_URL leaves no key file behind.
 */
function lazySecretBox(serverKey: () => string): SecretBox {
  let box: SecretBox | undefined;
  const open = () => (box ??= createSecretBox(serverKey()));
  return { seal: (plain) => open().seal(plain), open: (sealed) => open().open(sealed) };
}
