/**
 * Compression on the wire: which `Content-Encoding` an answer goes out with, and the bytes. Used
 * by the HTTP server and `SimulatorDispatcher` alike, so that both carry the same answer.
 */
import { brotliCompressSync, constants, deflateSync, gzipSync } from 'node:zlib';
import type { ContentCoding } from './types.js';

/** Preference when the client offers several: the smallest first, as front ends do. */
const PREFERENCE: readonly ContentCoding[] = ['br', 'gzip', 'deflate'];

/** The codings an `Accept-Encoding` header offers (q=0 excluded; `*` offers them all). */
function offered(acceptEncoding: string | undefined): Set<ContentCoding> {
  const out = new Set<ContentCoding>();
  for (const part of (acceptEncoding ?? '').split(',')) {
    const [name = '', ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
    if (q !== undefined && Number(q) === 0) continue;
    if (name === '*') PREFERENCE.forEach((c) => out.add(c));
    else if (name === 'x-gzip') out.add('gzip');
    else if ((PREFERENCE as readonly string[]).includes(name)) out.add(name as ContentCoding);
  }
  return out;
}

/**
 * The coding of an answer under the simulator's `contentEncoding` option: none, the best one the
 * request offers (`'negotiate'`), or a fixed one whatever the request says.
 */
export function chooseEncoding(option: 'none' | 'negotiate' | ContentCoding, acceptEncoding: string | undefined): ContentCoding | undefined {
  if (option === 'none') return undefined;
  if (option !== 'negotiate') return option;
  const offers = offered(acceptEncoding);
  return PREFERENCE.find((c) => offers.has(c));
}

/** The body's bytes in `coding` (or as UTF-8 text without one). */
export function encodeBody(text: string, coding: ContentCoding | undefined): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  if (coding === 'gzip') return gzipSync(bytes);
  if (coding === 'deflate') return deflateSync(bytes);
  // Brotli's default quality (11) costs tens of milliseconds a page; 4 is about gzip's speed.
  if (coding === 'br') return brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } });
  return bytes;
}

/** The headers of an encoded answer: `Content-Encoding` and `Vary`, added to `headers`. */
export function encodedHeaders(headers: Record<string, string>, coding: ContentCoding | undefined): Record<string, string> {
  return coding === undefined ? headers : { ...headers, 'content-encoding': coding, vary: 'Accept-Encoding' };
}
