/**
 * Where wake notices live (wake-notices.ts writes them, wake-listener.ts follows them): one
 * JSON stream per hour, `oc-wake.<hour>`, which the streams tier deletes by itself
 * (`Stream-TTL`) three hours after creating it. A record is `{ "wake": ["<stream>", …] }`:
 * those user streams were just appended to after a quiet spell. User streams are `oc.<…>`,
 * so the names never meet.
 */

/** One wake stream per this many ms of wall-clock time. */
export const WAKE_BUCKET_MS = 60 * 60 * 1000;
/** The tier deletes a wake stream this long after its creation: long after anyone reads it. */
export const WAKE_TTL_SECONDS = (3 * WAKE_BUCKET_MS) / 1000;

/** One wake record: the user streams that have something new. */
export interface WakeRecord {
  wake: string[];
}

export function wakeBucket(nowMs: number, bucketMs = WAKE_BUCKET_MS): number {
  return Math.floor(nowMs / bucketMs);
}

export function wakeStreamName(bucket: number): string {
  return `oc-wake.${bucket}`;
}

/** The stream names of a record read back, or none when it is not a wake record. */
export function wokenStreams(record: unknown): readonly string[] {
  const wake = (record as Partial<WakeRecord> | null)?.wake;
  return Array.isArray(wake) ? wake.filter((name): name is string => typeof name === "string") : [];
}
