import { Observable } from 'rxjs';
import type { OperatorFunction } from 'rxjs';
import { ExotelError, MalformedRecordError } from '../exotel/errors.js';
import { normalizeCall } from '../exotel/normalizeCall.js';
import type { Call, RawCall } from '../exotel/types.js';

export interface NormalizeRecordsOptions {
  /** Zone of the account's naive timestamps. */
  timeZone: string;
  /** Whether the reads asked for leg-wise `Details`. */
  details: boolean;
  /** A record that cannot be normalized: reported here and skipped; the others go on. */
  onError?: (error: MalformedRecordError) => void;
  /**
   * Asked first for each record as read: true drops it unnormalized, so it must say true only
   * for records whose `Call` nothing downstream would act on. The stream passes the tracker's
   * `unchanged` (a re-read with nothing tracked changed, most reads, then costs no `Call`).
   * @default none: every record is normalized
   */
  unchanged?: (raw: RawCall) => boolean;
}

/**
 * Turns pages of raw records into normalized `Call`s, one emission per record. A malformed record
 * (missing Sid, unreadable timestamp, unknown status, ...) is reported as a `MalformedRecordError`
 * and skipped: one bad row never stops the stream.
 *
 * @example
 * pages$.pipe(normalizeRecords({ timeZone: 'Asia/Kolkata', details: false, onError: console.warn }));
 */
export function normalizeRecords(options: NormalizeRecordsOptions): OperatorFunction<{ calls: readonly RawCall[] }, Call> {
  const { timeZone, details, onError, unchanged } = options;
  const normalizeOptions = { timeZone, details };
  return (source) =>
    new Observable<Call>((subscriber) =>
      source.subscribe({
        next(page) {
          for (const raw of page.calls) {
            if (unchanged?.(raw) === true) continue;
            let call: Call;
            try {
              call = normalizeCall(raw, normalizeOptions);
            } catch (error) {
              onError?.(asMalformed(error, raw));
              continue;
            }
            subscriber.next(call);
          }
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      }),
    );
}

function asMalformed(error: unknown, raw: unknown): MalformedRecordError {
  if (error instanceof MalformedRecordError) return error;
  const sid = typeof raw === 'object' && raw !== null && typeof (raw as { Sid?: unknown }).Sid === 'string' ? (raw as { Sid: string }).Sid : undefined;
  const message = error instanceof ExotelError || error instanceof Error ? error.message : String(error);
  return new MalformedRecordError(`Could not normalize the record${sid === undefined ? '' : ` ${sid}`}: ${message}`, {
    field: 'record',
    value: raw,
    ...(sid === undefined ? {} : { sid }),
    cause: error,
  });
}
