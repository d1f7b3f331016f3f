-- AlterTable
ALTER TABLE "message_feedback" ADD COLUMN     "logStream" TEXT NOT NULL DEFAULT '';
