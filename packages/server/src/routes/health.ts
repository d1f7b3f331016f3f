/** `GET /healthz` (the process is up) and `GET /readyz` (Postgres and the streams tier answer). */
import { Hono } from "hono";
import { describeRoute } from "hono-openapi";
import * as v from "valibot";
import { API_PATH } from "@open-chat/shared";
import { jsonResponse } from "../http/openapi.js";
import type { Services } from "../services.js";

const Live = v.object({ ok: v.literal(true) });
const Ready = v.object({ ok: v.boolean(), database: v.boolean(), streams: v.boolean() });

export function healthRoutes(services: Services) {
  return new Hono()
    .get(API_PATH.healthz, describeRoute({ tags: ["meta"], summary: "Liveness", responses: { 200: jsonResponse("The process is up", Live) } }), (c) => c.json({ ok: true }))
    .get(
      API_PATH.readyz,
      describeRoute({ tags: ["meta"], summary: "Readiness", responses: { 200: jsonResponse("Postgres and the streams tier answer", Ready), 503: jsonResponse("One of them does not", Ready) } }),
      async (c) => {
        const [database, streams] = await Promise.all([
          services.prisma.$queryRaw`SELECT 1`.then(() => true, () => false),
          services.streams.ping().then(() => true, () => false),
        ]);
        const ok = database && streams;
        return c.json({ ok, database, streams }, ok ? 200 : 503);
      },
    );
}
