/**
 * A local HTTP stand-in for the Stripe API (node:http on 127.0.0.1): answers
 * `POST /v1/checkout/sessions` the way Stripe does (form-encoded request, a session object with
 * its Checkout `url`) and records every request, so a test checks exactly what the server asked
 * for without any network. Plus helpers that build Stripe events signed the way Stripe signs
 * them (the `stripe` library's test-header helper).
 */
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import Stripe from "stripe";

export interface StandInRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  /** The form body, flattened as Stripe encodes it (`line_items[0][price_data][unit_amount]`). */
  form: Record<string, string>;
}

export interface StripeStandIn {
  url: string;
  requests: StandInRequest[];
  close(): Promise<void>;
}

export async function startStripeStandIn(): Promise<StripeStandIn> {
  const requests: StandInRequest[] = [];
  let sessions = 0;
  const server = createServer(async (req, res) => {
    const form = Object.fromEntries(new URLSearchParams(await text(req)));
    requests.push({ method: req.method ?? "", path: req.url ?? "", authorization: req.headers.authorization, form });
    res.setHeader("Content-Type", "application/json");
    if (req.method === "POST" && req.url === "/v1/checkout/sessions") {
      const id = `cs_test_standin_${++sessions}`;
      const metadata = Object.fromEntries(Object.entries(form).flatMap(([key, value]) => (/^metadata\[(\w+)\]$/.exec(key) ? [[/^metadata\[(\w+)\]$/.exec(key)![1]!, value]] : [])));
      res.end(JSON.stringify({ id, object: "checkout.session", mode: form.mode, url: `https://checkout.stripe.test/c/pay/${id}`, metadata, payment_status: "unpaid", status: "open" }));
      return;
    }
    res.statusCode = 404;
    res.end(JSON.stringify({ error: { type: "invalid_request_error", message: `Unrecognized request URL (${req.method}: ${req.url})` } }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

async function text(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

let events = 0;

/**
 * A Stripe event of `type` about `object` (and what changed: `previousAttributes`), as JSON text
 * and its `Stripe-Signature` for `secret`.
 */
export function signedEvent(secret: string, type: string, object: Record<string, unknown>, previousAttributes?: Record<string, unknown>) {
  const id = `evt_test_${Date.now()}_${++events}`;
  const data = previousAttributes ? { object, previous_attributes: previousAttributes } : { object };
  const payload = JSON.stringify({ id, object: "event", api_version: "2025-01-01", created: Math.floor(Date.now() / 1000), livemode: false, pending_webhooks: 1, type, data });
  return { id, payload, signature: Stripe.webhooks.generateTestHeaderString({ payload, secret }) };
}

/** Delivers a webhook the way Stripe does: POST, JSON body, Stripe-Signature. */
export async function deliver(baseUrl: string, event: { payload: string; signature?: string | undefined }): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = { "Content-Type": "application/json; charset=utf-8", "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)" };
  if (event.signature !== undefined) headers["Stripe-Signature"] = event.signature;
  const response = await fetch(`${baseUrl}/v1/billing/stripe/webhook`, { method: "POST", headers, body: event.payload });
  const body = await response.text();
  return { status: response.status, body: body ? JSON.parse(body) : null };
}

/** A paid Checkout session of ours: `cents` USD topping up `owner` of `tenantId`. */
export function paidSession(id: string, tenantId: string, owner: string, cents: number, paymentIntent: string, paymentStatus = "paid") {
  return { id, object: "checkout.session", mode: "payment", currency: "usd", amount_subtotal: cents, amount_total: cents, payment_status: paymentStatus, payment_intent: paymentIntent, metadata: { tenantId, owner } };
}
