/** Server-Sent Events wire format (WHATWG HTML, "Server-sent events"). */

export interface SseMessage {
  /** Sets the client's last event id; omitted for messages that must not move it (stats, heartbeats). */
  id?: string;
  event: string;
  /** Serialized as JSON on one `data:` line (JSON has no raw newlines). */
  data: unknown;
}

/** One SSE message, ending with the blank line that dispatches it. */
export function formatSse(message: SseMessage): string {
  const id = message.id === undefined ? '' : `id: ${message.id.replace(/[\r\n]/g, '')}\n`;
  return `${id}event: ${message.event}\ndata: ${JSON.stringify(message.data)}\n\n`;
}

/** Parses the `<instance>-<seq>` event ids this server hands out; undefined when it is not one. */
export function parseEventId(value: string | undefined | null): { instance: string; seq: number } | undefined {
  if (!value) return undefined;
  const m = /^([a-z0-9]{1,32})-(\d{1,15})$/.exec(value.trim());
  if (!m) return undefined;
  return { instance: m[1] as string, seq: Number(m[2]) };
}
