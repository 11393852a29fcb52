/**
 * The SSE wire format, and the only place that writes it. Guards against
 * field injection live here: event names and ids are validated before they
 * get here, and data is split on every line break the SSE parser knows
 * (`\r\n`, `\r`, `\n`) so no line of data can become a field of its own.
 */
const encoder = new TextEncoder();
const LINE_BREAK = /\r\n|\r|\n/;

export interface SseFrame {
  id?: string;
  event?: string;
  data: string;
}

export function frameText({ id, event, data }: SseFrame): string {
  let text = id === undefined ? "" : `id: ${id}\n`;
  if (event !== undefined) text += `event: ${event}\n`;
  for (const line of data.split(LINE_BREAK)) text += `data: ${line}\n`;
  return text + "\n";
}

/** Encoded once per event; the same bytes go to every subscriber. */
export function encodeFrame(frame: SseFrame): Uint8Array {
  return encoder.encode(frameText(frame));
}

export function encodeRetry(ms: number): Uint8Array {
  return encoder.encode(`retry: ${ms}\n\n`);
}

/**
 * A frame with only an id: a stream's starting position. EventSource sets
 * its last event id from it and dispatches nothing, so a client dropped
 * before its first event resumes from there; the holder of a browser's
 * stream (browser-stream.ts) reads it for the stream's head.
 */
export function encodePosition(id: string): Uint8Array {
  return encoder.encode(`id: ${id}\n\n`);
}

/**
 * The last frame of a stream Herald ends itself (herald.expired,
 * herald.replaced): it names the stream's topic, or its topics for a stream
 * of several. It has no id, so it moves no client's position.
 */
export function encodeEndNotice(event: string, topics: readonly string[], several: boolean): Uint8Array {
  return encodeFrame({ event, data: JSON.stringify(several ? { topics } : { topic: topics[0] }) });
}

export const PING: Uint8Array = encoder.encode(": ping\n\n");

export const SSE_HEADERS: Readonly<Record<string, string>> = {
  "content-type": "text/event-stream",
  // no-transform and identity keep proxies and Cloudflare from compressing
  // or buffering the stream; x-accel-buffering does the same for nginx.
  "cache-control": "no-cache, no-transform",
  "content-encoding": "identity",
  "x-accel-buffering": "no",
};
