-- CreateTable
CREATE TABLE "message_feedback" (
    "messageId" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "chatId" TEXT NOT NULL,
    "rating" TEXT,
    "comment" TEXT,
    "logOffset" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "message_feedback_pkey" PRIMARY KEY ("messageId")
);

-- CreateIndex
CREATE INDEX "message_feedback_tenantId_createdAt_messageId_idx" ON "message_feedback"("tenantId", "createdAt" DESC, "messageId" DESC);

-- CreateIndex
CREATE INDEX "message_feedback_chatId_idx" ON "message_feedback"("chatId");

-- AddForeignKey
ALTER TABLE "message_feedback" ADD CONSTRAINT "message_feedback_chatId_fkey" FOREIGN KEY ("chatId") REFERENCES "chat"("id") ON DELETE CASCADE ON UPDATE CASCADE;
