// Component tests in real Chromium (Debian's /usr/bin/chromium; no browser download) against a
// real Open Chat server started here, on the node side, for the whole run. The browser reads
// the server's URL from /__open-chat/config.json. /__hit/* counts requests (the XSS suite
// points hostile URLs at it) and /__hits reports the counts. /__model-gate/* drives the model
// gate between the server and the test model (helpers.ts `modelGate`): `hold`, `release?chars=N`
// (answers once that much of the held reply has been relayed) and `open`.
// /__open-chat/site.json starts (once) a second server that serves a site — a tenant whose
// allowed origin is the test page's, with a publishable key and a JWT signing secret — and
// answers `{ api, publishableKey }`; /__open-chat/user-token?sub=… is that site's backend
// signing a user token (HS256).
// /__open-chat/billing.json starts (once) a third server with billing on (BILLING=on, Stripe's
// API a local stand-in answering POST /v1/checkout/sessions): a site whose end users have their
// own accounts, no guest budget (a first send is refused 402) and top-ups of $5 and $10; the
// site's account holds $100. It answers `{ api, publishableKey, checkouts }` (checkouts: the
// amounts in cents Checkout sessions were made for). /__open-chat/billing/grant?microUsd=N
// grants N µUSD to every end user of that site (the operator's grant, as if a top-up was paid).
import { createHmac } from "node:crypto";
import { createServer } from "node:http";
import { esbuildPlugin } from "@web/dev-server-esbuild";
import { build } from "esbuild";
import { chromeLauncher } from "@web/test-runner-chrome";
import { register } from "tsx/esm/api";

// @open-chat/testing ships TypeScript source: let this Node-side config load it.
register();
const { chromiumLaunchOptions, createTestTenant, markdownReply, startTestServer } = await import("@open-chat/testing");

const chromium = chromiumLaunchOptions();
// The browser may still write to its profile after serverStop: remove it again on exit.
process.once("exit", () => chromium.removeProfile());
const GIF = Buffer.from("R0lGODlhAQABAAAAACH5BAEKAAEALAAAAAABAAEAAAICTAEAOw==", "base64");
const SITE_SECRET = "widget-site-secret-widget-site-secret";

/** An HS256 JWT of the site's user `sub`, valid for 5 minutes (what a site's backend signs). */
function userToken(sub) {
  const part = (value) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const now = Math.floor(Date.now() / 1000);
  const unsigned = `${part({ alg: "HS256", typ: "JWT" })}.${part({ sub, name: `User ${sub}`, iat: now, exp: now + 300 })}`;
  return `${unsigned}.${createHmac("sha256", SITE_SECRET).update(unsigned).digest("base64url")}`;
}

/** Stripe's API as far as Checkout-session creation goes, on 127.0.0.1; records each session's amount (cents). */
async function startStripeStandIn() {
  const checkouts = [];
  const server = createServer(async (req, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    const form = new URLSearchParams(body);
    res.setHeader("Content-Type", "application/json");
    if (req.method !== "POST" || req.url !== "/v1/checkout/sessions") {
      res.statusCode = 404;
      return res.end(JSON.stringify({ error: { type: "invalid_request_error", message: "not here" } }));
    }
    checkouts.push(Number(form.get("line_items[0][price_data][unit_amount]")));
    const id = `cs_test_widget_${checkouts.length}`;
    res.end(JSON.stringify({ id, object: "checkout.session", mode: "payment", url: `https://checkout.stripe.test/c/pay/${id}`, payment_status: "unpaid", status: "open" }));
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, checkouts, close: () => new Promise((resolve) => server.close(resolve)) };
}

async function startBillingSite(origin) {
  const stripe = await startStripeStandIn();
  const server = await startTestServer({
    model: { defaultReply: markdownReply },
    settings: { billing: { enabled: true }, stripe: { secretKey: "sk_test_widget", webhookSecret: "whsec_widget", apiBase: stripe.url, topUpAmountsUsd: [5, 10] } },
  });
  const tenant = await createTestTenant(server.services, { origin });
  await server.services.prisma.tenant.update({ where: { id: tenant.id }, data: { billing: { endUserAccounts: true, endUserTopUps: true, guestBudgetMicroUsd: 0 } } });
  await server.services.ledger.credit({ tenantId: tenant.id, owner: "tenant" }, "grant", 100_000_000n, "widget-tests");
  return { server, stripe, tenant };
}

function openChatBackend() {
  let backend;
  let billing; // the server with billing on, started on first use
  let grants = 0;
  let site; // the server with a tenant, started on first use
  const hits = new Map();
  return {
    name: "open-chat-backend",
    async serverStart() {
      backend = await startTestServer({ model: { defaultReply: markdownReply }, gateModel: true });
    },
    async serverStop() {
      await backend?.close();
      await (await site)?.server.close();
      const billed = await billing;
      await billed?.server.close();
      await billed?.stripe.close();
      chromium.removeProfile();
    },
    async serve(context) {
      if (context.path === "/__open-chat/config.json") return { body: JSON.stringify({ api: backend.url }), type: "json" };
      if (context.path === "/__open-chat/site.json") {
        site ??= (async () => {
          const server = await startTestServer({ model: { defaultReply: markdownReply } });
          const tenant = await createTestTenant(server.services, { origin: context.origin, jwtSecret: SITE_SECRET });
          return { server, publishableKey: tenant.publishableKey };
        })();
        const { server, publishableKey } = await site;
        return { body: JSON.stringify({ api: server.url, publishableKey }), type: "json" };
      }
      if (context.path === "/__open-chat/billing.json") {
        billing ??= startBillingSite(context.origin);
        const { server, stripe, tenant } = await billing;
        return { body: JSON.stringify({ api: server.url, publishableKey: tenant.publishableKey, checkouts: stripe.checkouts }), type: "json", headers: { "cache-control": "no-store" } };
      }
      if (context.path === "/__open-chat/billing/grant") {
        const { server, tenant } = await billing;
        const users = await server.services.prisma.user.findMany({ where: { tenantId: tenant.id }, select: { id: true } });
        const amount = BigInt(String(context.query.microUsd));
        for (const { id } of users) await server.services.ledger.credit({ tenantId: tenant.id, owner: id }, "grant", amount, `widget-grant-${++grants}`);
        return { body: JSON.stringify({ users: users.length }), type: "json", headers: { "cache-control": "no-store" } };
      }
      if (context.path === "/__open-chat/user-token") return { body: JSON.stringify({ token: userToken(String(context.query.sub)) }), type: "json", headers: { "cache-control": "no-store" } };
      if (context.path.startsWith("/__hit/")) {
        hits.set(context.path, (hits.get(context.path) ?? 0) + 1);
        context.set("access-control-allow-origin", "*");
        return { body: GIF, type: "image/gif" };
      }
      if (context.path === "/__hits") {
        const body = JSON.stringify(Object.fromEntries(hits));
        if (context.query.reset !== undefined) hits.clear();
        return { body, type: "json" };
      }
      if (context.path.startsWith("/__model-gate/")) {
        const gate = backend.modelGate;
        const action = context.path.slice("/__model-gate/".length);
        if (action === "hold") gate.hold();
        else if (action === "open") gate.open();
        else if (action === "release") {
          const chars = Number(context.query.chars);
          if (!Number.isInteger(chars) || chars < 1) throw new Error(`/__model-gate/release needs chars=<positive integer>, got ${context.query.chars}`);
          await gate.releaseText(chars);
        } else return undefined;
        return { body: JSON.stringify({ released: gate.releasedText }), type: "json", headers: { "cache-control": "no-store" } };
      }
      return undefined;
    },
  };
}

/**
 * The `set-offline` command (`{ offline: boolean, origins: string[] }`): the page goes offline as
 * far as it can tell — `navigator.onLine` false, the `offline` event (and `online` when switched
 * back) — and every request to `origins` fails as an offline one does ("Failed to fetch"). Only
 * those origins: Chromium's full offline emulation would also cut the test runner's own
 * connection to the page.
 */
function networkEmulation() {
  const sessions = new WeakMap();
  return {
    name: "network-emulation",
    async executeCommand({ command, payload, session }) {
      if (command !== "set-offline") return undefined;
      const page = session.browser.getPage(session.id);
      let cdp = sessions.get(page);
      if (!cdp) {
        cdp = await page.createCDPSession();
        await cdp.send("Network.enable");
        sessions.set(page, cdp);
      }
      const offline = Boolean(payload?.offline);
      const urls = offline ? (payload?.origins ?? []).map((origin) => `${new URL(origin).origin}/*`) : [];
      await cdp.send("Network.setBlockedURLs", { urls });
      await cdp.send("Network.overrideNetworkState", { offline, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
      return true;
    },
  };
}

/**
 * highlight.js's ESM build re-exports its CommonJS core, which a browser cannot import
 * unbundled: serve the widget's lazy highlight chunk (src/markdown/languages.ts) pre-bundled,
 * the way the real build ships it.
 */
function bundledHighlighter() {
  return {
    name: "bundled-highlighter",
    async serve(context) {
      if (!/\/packages\/widget\/src\/markdown\/languages\.(ts|js)$/.test(context.path)) return undefined;
      const result = await build({ entryPoints: [new URL("./src/markdown/languages.ts", import.meta.url).pathname], bundle: true, format: "esm", write: false, logLevel: "silent" });
      return { body: result.outputFiles[0].text, type: "js" };
    },
  };
}

export default {
  rootDir: "../..",
  files: ["test/browser/**/*.test.ts"],
  nodeResolve: { exportConditions: ["production"] },
  concurrency: 1,
  testFramework: { config: { timeout: 20000 } },
  testsFinishTimeout: 300000,
  plugins: [bundledHighlighter(), esbuildPlugin({ ts: true, target: "es2022" }), openChatBackend(), networkEmulation()],
  browsers: [
    chromeLauncher({
      launchOptions: { executablePath: chromium.executablePath, headless: chromium.headless, args: chromium.args },
    }),
  ],
};
