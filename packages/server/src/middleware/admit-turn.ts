/**
 * Admission control in front of the routes that start an answer (send, regenerate): runs before
 * the tenant, the session or anything else is looked up, so a refusal under load costs no query
 * (limits/answer-admission.ts).
 */
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env.js";
import type { AnswerAdmission } from "../limits/answer-admission.js";

export function admitTurn(admission: AnswerAdmission) {
  return createMiddleware<AppEnv>(async function admitTurn(_c, next) {
    const release = admission.admit();
    try {
      await next();
    } finally {
      release();
    }
  });
}
