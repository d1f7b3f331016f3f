/**
 * The demo's own site (tenant) on the server, made through the admin API the way an operator
 * would: the tenant `demo`, allowed from the demo site's origins, and its publishable key.
 * Idempotent: a second start (same data folder) finds the tenant, adds any new origin (another
 * DEMO_PORT) and reuses its active key.
 */
import { API_PATH } from "@open-chat/shared";

export const DEMO_TENANT_ID = "demo";

export interface DemoSiteOptions {
  /** The Open Chat API, e.g. http://127.0.0.1:3000 */
  apiUrl: string;
  /** The server's OPERATOR_KEY. */
  operatorKey: string;
  /** Origins the demo pages are served from. */
  origins: string[];
}

interface TenantJson {
  allowedOrigins: string[];
}
interface KeyJson {
  kind: string;
  display: string;
  revokedAt: string | null;
}

/** Ensures the demo tenant and returns its publishable key. */
export async function ensureDemoSite(options: DemoSiteOptions): Promise<string> {
  const tenant = `/tenants/${DEMO_TENANT_ID}`;
  async function admin<T>(method: string, path: string, expected: number[], body?: unknown): Promise<{ status: number; json: T }> {
    const response = await fetch(`${options.apiUrl}${API_PATH.admin}${path}`, {
      method,
      headers: { Authorization: `Bearer ${options.operatorKey}`, ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!expected.includes(response.status)) throw new Error(`open-chat demo: ${method} ${API_PATH.admin}${path}: ${response.status} ${text}`);
    return { status: response.status, json: (text ? JSON.parse(text) : null) as T };
  }

  let found = await admin<TenantJson>("GET", tenant, [200, 404]);
  if (found.status === 404) {
    // 409: another start created it meanwhile.
    const created = await admin<TenantJson>("POST", "/tenants", [201, 409], { id: DEMO_TENANT_ID, name: "Open Chat demo", allowedOrigins: options.origins, guestsAllowed: true });
    found = created.status === 201 ? created : await admin<TenantJson>("GET", tenant, [200]);
  }
  const missing = options.origins.filter((origin) => !found.json.allowedOrigins.includes(origin));
  if (missing.length > 0) await admin("PATCH", tenant, [200], { allowedOrigins: [...found.json.allowedOrigins, ...missing] });

  // A publishable key is public: the admin API lists it in full (`display`).
  const { json } = await admin<{ keys: KeyJson[] }>("GET", `${tenant}/keys`, [200]);
  const active = json.keys.find((key) => key.kind === "publishable" && key.revokedAt === null);
  if (active) return active.display;
  return (await admin<{ key: string }>("POST", `${tenant}/keys`, [201], { kind: "publishable", name: "demo pages" })).json.key;
}

/**
 * The origins a browser may show for a site listening at `siteUrl`: the URL's own (unless it is
 * a wildcard address), and for a loopback or wildcard address both `localhost` and `127.0.0.1`
 * (people type either); plus
 * `extra` (DEMO_ORIGINS, comma-separated, e.g. the site behind a proxy).
 */
export function demoOrigins(siteUrl: string, extra = ""): string[] {
  const url = new URL(siteUrl);
  const wildcard = ["0.0.0.0", "[::]"].includes(url.hostname);
  const origins = wildcard ? [] : [url.origin];
  if (wildcard || ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname)) {
    for (const host of ["localhost", "127.0.0.1"]) origins.push(`${url.protocol}//${host}:${url.port}`);
  }
  for (const origin of extra.split(",")) if (origin.trim()) origins.push(new URL(origin.trim()).origin);
  return [...new Set(origins)];
}
