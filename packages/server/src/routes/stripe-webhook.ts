/**
 * `POST /v1/billing/stripe/webhook`: Stripe's deliveries (billing/stripe/webhook.ts). No key, no
 * session: the `Stripe-Signature` over the raw body is the credential. A bad signature is
 * `400 invalid_signature` (recorded in the operator's billing stream); a delivery that could not
 * be applied is a 500 so that Stripe delivers it again; everything else is 200 — duplicates and
 * event types we do not handle included, so Stripe stops retrying them.
 */
import { Hono } from "hono";
import { describeRoute } from "hono-openapi";
import * as v from "valibot";
import type { AppEnv } from "../env.js";
import { ApiError } from "../http/api-error.js";
import { errorResponses, jsonResponse } from "../http/openapi.js";
import type { Services } from "../services.js";

const Received = v.object({ received: v.literal(true), outcome: v.picklist(["processed", "duplicate", "ignored"]) });

export function stripeWebhookRoutes(services: Pick<Services, "stripe">) {
  return new Hono<AppEnv>().post(
    "/",
    describeRoute({
      tags: ["billing"],
      summary: "Stripe webhook",
      description:
        "Point a Stripe webhook endpoint here (events checkout.session.completed, checkout.session.async_payment_succeeded, checkout.session.async_payment_failed, charge.refunded, charge.dispute.created). Verified with STRIPE_WEBHOOK_SECRET; idempotent by event id; every delivery is recorded in the tenant's billing stream.",
      security: [{}],
      requestBody: { required: true, content: { "application/json": { schema: { type: "object" } } } },
      responses: { 200: jsonResponse("Handled (or a duplicate, or a type we ignore)", Received), ...errorResponses(400, 404, 413) },
    }),
    async (c) => {
      if (!services.stripe.webhookEnabled) throw new ApiError(404, "billing_disabled", "the Stripe webhook is not configured on this server (STRIPE_WEBHOOK_SECRET)");
      // The signature is over the exact bytes Stripe sent: never parse and re-serialize first.
      const raw = new Uint8Array(await c.req.arrayBuffer());
      const answer = await services.stripe.webhook(raw, c.req.header("stripe-signature"));
      if (answer.status === 400) throw new ApiError(400, "invalid_signature", answer.reason);
      if (answer.status === 500) throw new ApiError(500, "internal", "the event could not be applied; Stripe will deliver it again");
      return c.json({ received: true as const, outcome: answer.outcome });
    },
  );
}
