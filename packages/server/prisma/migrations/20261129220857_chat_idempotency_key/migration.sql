-- AlterTable
ALTER TABLE "chat" ADD COLUMN     "idempotencyKey" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "chat_userId_idempotencyKey_key" ON "chat"("userId", "idempotencyKey");
