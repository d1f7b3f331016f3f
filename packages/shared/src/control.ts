/**
 * The chat tail's `event: control` payload (Durable Streams read protocol, SSE mode). Every
 * control frame's SSE `id:` equals its `streamNextOffset`, so `Last-Event-ID` resumes exactly.
 */
export interface TailControl {
  streamNextOffset: string;
  streamCursor?: string;
  upToDate?: boolean;
  /** Present (true) once the chat is deleted: nothing more will ever be appended. */
  streamClosed?: boolean;
}
