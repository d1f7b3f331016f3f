/**
 * The end user behind a verified identity: one user per (tenant, `sub`), created on first
 * sight and kept up to date with the token's name/email, plus a Better Auth session for it.
 * Better Auth's `email` column is unique across tenants, so verified users get a synthetic one
 * there and the token's email is kept as `contactEmail`.
 */
import { Prisma, type PrismaClient } from "../generated/prisma/client.js";
import { newId } from "../ids.js";
import type { Auth } from "./auth.js";
import type { VerifiedIdentity } from "./user-tokens.js";

export async function upsertVerifiedUser(prisma: PrismaClient, tenantId: string, identity: VerifiedIdentity): Promise<string> {
  const where = { tenantId_externalId: { tenantId, externalId: identity.subject } };
  const details = { ...(identity.name !== undefined ? { name: identity.name } : {}), ...(identity.email !== undefined ? { contactEmail: identity.email } : {}) };
  const existing = await prisma.user.findUnique({ where, select: { id: true } });
  if (existing) {
    if (Object.keys(details).length > 0) await prisma.user.update({ where: { id: existing.id }, data: details });
    return existing.id;
  }
  const id = newId("usr");
  try {
    await prisma.user.create({
      data: { id, tenantId, externalId: identity.subject, name: identity.name ?? "", email: `${id}@verified.invalid`, emailVerified: false, isAnonymous: false, ...details },
    });
    return id;
  } catch (error) {
    // Two first sign-ins of one user racing: the loser uses the winner's row.
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
      const winner = await prisma.user.findUnique({ where, select: { id: true } });
      if (winner) return winner.id;
    }
    throw error;
  }
}

/** A new session of `userId`; its token is a bearer token like a guest's. */
export async function createSessionFor(auth: Auth, userId: string, request: Request): Promise<string> {
  const context = await auth.$context;
  const session = await context.internalAdapter.createSession(userId, false, {
    ipAddress: null,
    userAgent: request.headers.get("user-agent"),
  });
  if (!session) throw new Error("could not create a session");
  return session.token;
}
