/**
 * Response bodies as they come off the wire: undici's `request` hands over the bytes as sent, so a
 * `Content-Encoding` the client asked for (`gzip`, `deflate`, `br`) is undone here.
 */
import { brotliDecompressSync, gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';
import type { ZlibOptions } from 'node:zlib';

/** A page of 100 records is well under a megabyte; anything this large is not an Exotel page. */
export const MAX_DECODED_BYTES = 64 * 1024 * 1024;

export type DecodedBody = { ok: true; text: string } | { ok: false; reason: string; cause?: unknown };

/** `deflate` means zlib-wrapped data; some servers send it raw, so a raw stream is accepted too. */
function inflateEither(input: Buffer, options: ZlibOptions): Buffer {
  try {
    return inflateSync(input, options);
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') throw error;
    return inflateRawSync(input, options);
  }
}

// Synchronous on purpose: a page decodes in well under a millisecond (JSON.parse of it costs more),
// and an answer then never waits on the thread pool, where a fake clock would run past it.
const DECODERS: Readonly<Record<string, (input: Buffer, options: ZlibOptions) => Buffer>> = {
  gzip: gunzipSync,
  'x-gzip': gunzipSync,
  deflate: inflateEither,
  br: brotliDecompressSync,
};

/**
 * Undoes `Content-Encoding` (a comma list, applied in order, so undone from the last) and reads the
 * result as UTF-8. `identity` and an absent header leave the bytes as they are; an unknown coding,
 * a corrupt or truncated stream, or more than `MAX_DECODED_BYTES` is a failure with its reason.
 */
export function decodeBody(bytes: Buffer, contentEncoding: string | undefined): DecodedBody {
  const codings = (contentEncoding ?? '')
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '' && c !== 'identity');
  let data = bytes;
  for (const coding of codings.reverse()) {
    const decoder = DECODERS[coding];
    if (decoder === undefined) {
      return { ok: false, reason: `unsupported Content-Encoding ${JSON.stringify(coding.slice(0, 40))} (gzip, deflate and br are read)` };
    }
    try {
      data = decoder(data, { maxOutputLength: MAX_DECODED_BYTES });
    } catch (cause) {
      const code = (cause as { code?: unknown }).code;
      const why = code === 'ERR_BUFFER_TOO_LARGE' ? `larger than ${MAX_DECODED_BYTES} bytes once decoded` : `corrupt or truncated (${typeof code === 'string' ? code : 'unreadable'})`;
      return { ok: false, reason: `Content-Encoding ${coding}: ${why}`, cause };
    }
  }
  return { ok: true, text: data.toString('utf8') };
}

/** Whether a `Content-Type` names JSON (`application/json`, `text/json`, `…+json`). */
export function isJsonContentType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  return type === 'application/json' || type === 'text/json' || type.endsWith('+json');
}
