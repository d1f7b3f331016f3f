-- AlterTable
ALTER TABLE "tenant" ADD COLUMN     "billing" JSONB NOT NULL DEFAULT '{}';

-- CreateTable
CREATE TABLE "credit_account" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "owner" TEXT NOT NULL,
    "balanceMicroUsd" BIGINT NOT NULL DEFAULT 0,
    "reservedMicroUsd" BIGINT NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "credit_account_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ledger_entry" (
    "id" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "amountMicroUsd" BIGINT NOT NULL,
    "reservedDeltaMicroUsd" BIGINT NOT NULL DEFAULT 0,
    "balanceAfterMicroUsd" BIGINT NOT NULL,
    "generationId" TEXT,
    "externalRef" TEXT,
    "note" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ledger_entry_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "stripe_event" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT,
    "type" TEXT NOT NULL,
    "outcome" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "stripe_event_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "turn_usage" (
    "generationId" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "chatId" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "inputTokens" INTEGER NOT NULL,
    "outputTokens" INTEGER NOT NULL,
    "costMicroUsd" BIGINT NOT NULL,
    "outcome" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "turn_usage_pkey" PRIMARY KEY ("generationId")
);

-- CreateIndex
CREATE UNIQUE INDEX "credit_account_tenantId_owner_key" ON "credit_account"("tenantId", "owner");

-- CreateIndex
CREATE INDEX "ledger_entry_accountId_createdAt_idx" ON "ledger_entry"("accountId", "createdAt");

-- CreateIndex
CREATE INDEX "ledger_entry_generationId_idx" ON "ledger_entry"("generationId");

-- CreateIndex
CREATE UNIQUE INDEX "ledger_entry_accountId_kind_generationId_key" ON "ledger_entry"("accountId", "kind", "generationId");

-- CreateIndex
CREATE UNIQUE INDEX "ledger_entry_accountId_kind_externalRef_key" ON "ledger_entry"("accountId", "kind", "externalRef");

-- CreateIndex
CREATE INDEX "turn_usage_tenantId_createdAt_idx" ON "turn_usage"("tenantId", "createdAt");

-- CreateIndex
CREATE INDEX "turn_usage_tenantId_userId_createdAt_idx" ON "turn_usage"("tenantId", "userId", "createdAt");

-- AddForeignKey
ALTER TABLE "ledger_entry" ADD CONSTRAINT "ledger_entry_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "credit_account"("id") ON DELETE CASCADE ON UPDATE CASCADE;
