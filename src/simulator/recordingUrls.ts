/**
 * `RecordingUrlValidity`: Exotel's signed-URL access to call recordings. With the parameter (an
 * integer of minutes, 5 to 60), the bulk list and the single-call endpoint add a
 * `PreSignedRecordingUrl` to each record: the recording's URL, signed, valid for that long from
 * the moment of the answer. `RecordingUrl` itself is left as it is. The recordings sit on S3, so
 * the signature is written the way S3 presigns a GET (`X-Amz-Date`, `X-Amz-Expires`,
 * `X-Amz-Signature`): a client can read the expiry from the URL.
 */
import { createHmac } from 'node:crypto';
import type { RawCall } from '../exotel/types.js';

const pad = (n: number) => String(n).padStart(2, '0');

/** `20250115T063000Z`, as `X-Amz-Date` writes an instant. */
function amzDate(ms: number): string {
  const d = new Date(Math.floor(ms / 1000) * 1000);
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}T${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}Z`;
}

/** The recording's URL signed at `now` for `minutes`; the signature is a seeded HMAC, stable for a given seed and instant. */
export function presignRecordingUrl(recordingUrl: string, now: number, minutes: number, seed: number): string {
  const date = amzDate(now);
  const expires = minutes * 60;
  const signature = createHmac('sha256', `exotel-simulator-${seed}`).update(`${recordingUrl}\n${date}\n${expires}`).digest('hex');
  const separator = recordingUrl.includes('?') ? '&' : '?';
  return `${recordingUrl}${separator}X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=${date}&X-Amz-Expires=${expires}&X-Amz-SignedHeaders=host&X-Amz-Signature=${signature}`;
}

/**
 * Adds `PreSignedRecordingUrl` to each record: signed when the record has a `RecordingUrl`, else
 * the same empty value (`""` or null) its `RecordingUrl` has.
 */
export function addPresignedRecordingUrls(records: RawCall[], now: number, minutes: number, seed: number): void {
  for (const record of records) {
    const url = record.RecordingUrl;
    (record as RawCall & { PreSignedRecordingUrl?: string | null }).PreSignedRecordingUrl =
      typeof url === 'string' && url !== '' ? presignRecordingUrl(url, now, minutes, seed) : (url ?? null);
  }
}
