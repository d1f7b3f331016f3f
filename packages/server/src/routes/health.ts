/** `GET /healthz` (the process is up) and `GET /readyz` (Postgres and the streams tier answer). */
import { Hono } from "hono";
import { API_PATH } from "@open-chat/shared";
import type { Services } from "../services.js";

export function healthRoutes(services: Services) {
  return new Hono()
    .get(API_PATH.healthz, (c) => c.json({ ok: true }))
    .get(API_PATH.readyz, async (c) => {
      const [database, streams] = await Promise.all([
        services.prisma.$queryRaw`SELECT 1`.then(() => true, () => false),
        services.streams.ping().then(() => true, () => false),
      ]);
      const ok = database && streams;
      return c.json({ ok, database, streams }, ok ? 200 : 503);
    });
}
