/**
 * Credits through the SDK against a real server with billing on (Stripe's API a local stand-in
 * on 127.0.0.1): `billing()` shows the end user's account, a send without credit rejects with
 * `402 insufficient_credits` (its pending message failed), `checkout()` answers the Checkout
 * page for one of the amounts (refusing others and foreign return URLs), and after a grant the
 * same text is answered and paid for. On a server with billing off, `billing()` says so.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createTestTenant, startTestServer, type TestServer, type TestTenant } from "@open-chat/testing";
import { createChatClient, memoryStorage, OpenChatError } from "../src/index.js";
import { answered } from "./helpers/util.js";

let stripe: Server;
const checkouts: number[] = [];
let server: TestServer;
let shop: TestTenant;

beforeAll(async () => {
  stripe = createServer(async (req, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    res.setHeader("Content-Type", "application/json");
    if (req.method !== "POST" || req.url !== "/v1/checkout/sessions") {
      res.statusCode = 404;
      return void res.end(JSON.stringify({ error: { type: "invalid_request_error", message: "not here" } }));
    }
    checkouts.push(Number(new URLSearchParams(body).get("line_items[0][price_data][unit_amount]")));
    const id = `cs_test_sdk_${checkouts.length}`;
    res.end(JSON.stringify({ id, object: "checkout.session", mode: "payment", url: `https://checkout.stripe.test/c/pay/${id}`, payment_status: "unpaid", status: "open" }));
  });
  await new Promise<void>((resolve) => stripe.listen(0, "127.0.0.1", resolve));
  const apiBase = `http://127.0.0.1:${(stripe.address() as AddressInfo).port}`;
  server = await startTestServer({
    settings: { billing: { enabled: true }, stripe: { secretKey: "sk_test_sdk", webhookSecret: "whsec_sdk", apiBase, topUpAmountsUsd: [5, 10] } },
  });
  shop = await createTestTenant(server.services);
  await server.services.prisma.tenant.update({ where: { id: shop.id }, data: { billing: { endUserAccounts: true, endUserTopUps: true, guestBudgetMicroUsd: 0 } } });
  await server.services.ledger.credit({ tenantId: shop.id, owner: "tenant" }, "grant", 100_000_000n, "sdk-tests");
}, 60_000);
afterAll(async () => {
  await server?.close();
  await new Promise((resolve) => stripe?.close(resolve));
});

describe("billing on", () => {
  test("billing(), a refused send, checkout(), and after a grant the same text is answered and paid for", async () => {
    const client = createChatClient({ baseUrl: server.url, publishableKey: shop.publishableKey, storage: memoryStorage() });
    try {
      const chat = await client.createChat({ title: "Credits" });
      expect(await client.billing()).toEqual({ enabled: true, account: { availableMicroUsd: 0, balanceMicroUsd: 0 }, topUps: { enabled: true, amountsUsd: [5, 10] } });

      const tail = client.openChat(chat.id);
      const refused = await client.send(chat.id, "Hello?").catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(OpenChatError);
      expect(refused).toMatchObject({ status: 402, code: "insufficient_credits" });
      expect(tail.state.pending.map((m) => [m.text, m.status])).toEqual([["Hello?", "failed"]]);

      expect(await client.checkout(5, "https://shop.example/account?tab=credits")).toEqual({ url: "https://checkout.stripe.test/c/pay/cs_test_sdk_1" });
      expect(checkouts).toEqual([500]);
      await expect(client.checkout(7, "https://shop.example/")).rejects.toMatchObject({ status: 400, code: "invalid_request" });
      await expect(client.checkout(5, "https://elsewhere.example/")).rejects.toMatchObject({ status: 400, code: "invalid_request" });
      expect(checkouts).toEqual([500]);

      // The payment arrives (here: an operator's grant to the user's account).
      const userId = (await server.services.prisma.user.findFirstOrThrow({ where: { tenantId: shop.id } })).id;
      await server.services.ledger.credit({ tenantId: shop.id, owner: userId }, "grant", 1_000_000n, "sdk-paid");
      expect((await client.billing()).account).toEqual({ availableMicroUsd: 1_000_000, balanceMicroUsd: 1_000_000 });

      client.dismiss(chat.id, tail.state.pending[0]!.clientId);
      const sent = await client.send(chat.id, "Hello?");
      const state = await tail.until(answered(1));
      const answer = state.log.messages.find((m) => m.id === sent.assistantMessageId)!;
      expect(answer.status).toBe("completed");
      const cost = answer.usage?.costMicroUsd ?? 0;
      expect(cost).toBeGreaterThan(0);
      expect((await client.billing()).account).toEqual({ availableMicroUsd: 1_000_000 - cost, balanceMicroUsd: 1_000_000 - cost });
      await tail.close();
    } finally {
      await client.close();
    }
  });
});

describe("billing off", () => {
  test("billing() says so; checkout() is 404 billing_disabled", async () => {
    const plain = await startTestServer();
    const client = createChatClient({ baseUrl: plain.url, storage: memoryStorage() });
    try {
      expect(await client.billing()).toMatchObject({ enabled: false, account: null, topUps: { enabled: false } });
      await expect(client.checkout(5, "https://shop.example/")).rejects.toMatchObject({ status: 404, code: "billing_disabled" });
    } finally {
      await client.close();
      await plain.close();
    }
  });
});
