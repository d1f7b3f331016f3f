-- AlterTable
ALTER TABLE "tenant" ADD COLUMN     "allowedOrigins" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "guestsAllowed" BOOLEAN NOT NULL DEFAULT true,
ADD COLUMN     "jwksUrl" TEXT,
ADD COLUMN     "jwtAudience" TEXT,
ADD COLUMN     "jwtIssuer" TEXT,
ADD COLUMN     "jwtSecretEncrypted" TEXT,
ADD COLUMN     "modelPolicy" JSONB NOT NULL DEFAULT '{}',
ADD COLUMN     "providerBaseUrl" TEXT,
ADD COLUMN     "providerKeyEncrypted" TEXT,
ADD COLUMN     "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;

-- AlterTable
ALTER TABLE "user" ADD COLUMN     "contactEmail" TEXT,
ADD COLUMN     "externalId" TEXT;

-- CreateTable
CREATE TABLE "api_key" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "display" TEXT NOT NULL,
    "name" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revokedAt" TIMESTAMPTZ(3),
    "lastUsedAt" TIMESTAMPTZ(3),

    CONSTRAINT "api_key_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "guest_merge" (
    "guestUserId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "chats" INTEGER NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "guest_merge_pkey" PRIMARY KEY ("guestUserId")
);

-- CreateIndex
CREATE UNIQUE INDEX "api_key_hash_key" ON "api_key"("hash");

-- CreateIndex
CREATE INDEX "api_key_tenantId_idx" ON "api_key"("tenantId");

-- CreateIndex
CREATE INDEX "guest_merge_userId_idx" ON "guest_merge"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "user_tenantId_externalId_key" ON "user"("tenantId", "externalId");

-- AddForeignKey
ALTER TABLE "api_key" ADD CONSTRAINT "api_key_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;
