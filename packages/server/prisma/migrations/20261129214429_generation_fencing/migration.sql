-- AlterTable
ALTER TABLE "chat" ADD COLUMN     "closeWithError" TEXT,
ADD COLUMN     "generationEpoch" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "stopRequestedAt" TIMESTAMPTZ(3),
ADD COLUMN     "stopRequestedBy" TEXT;

-- CreateIndex
CREATE INDEX "chat_leaseHolder_idx" ON "chat"("leaseHolder");
