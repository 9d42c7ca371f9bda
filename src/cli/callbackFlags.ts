/**
 * Flags of `simulate` that make the simulator post Exotel's StatusCallbacks to a URL (the
 * `statusCallbacks` option), lossy and late as asked.
 */
import type { StatusCallbackEvent, StatusCallbackOptions } from '../simulator/index.js';
import { InvalidOptionError } from '../exotel/errors.js';
import { parseEnumList, parseIntegerOption, parseNumberOption, type OptionSpecs } from './parse.js';
import { parseDelayRange } from './simulatorFlags.js';

export const callbackOptions = {
  'callbacks-url': { type: 'string' },
  'callbacks-share': { type: 'string' },
  'callbacks-late-share': { type: 'string' },
  'callbacks-delay': { type: 'string' },
  'callbacks-late': { type: 'string' },
  'callbacks-format': { type: 'string' },
  'callbacks-events': { type: 'string', multiple: true },
  'callbacks-retries': { type: 'string' },
} as const satisfies OptionSpecs;

export interface CallbackFlagValues {
  'callbacks-url'?: string | undefined;
  'callbacks-share'?: string | undefined;
  'callbacks-late-share'?: string | undefined;
  'callbacks-delay'?: string | undefined;
  'callbacks-late'?: string | undefined;
  'callbacks-format'?: string | undefined;
  'callbacks-events'?: string[] | undefined;
  'callbacks-retries'?: string | undefined;
}

const FORMATS = ['form', 'json'] as const;
const EVENTS = ['terminal', 'answered', 'none'] as const;

/** The `statusCallbacks` option the flags ask for, and a summary without the URL's path (its secret); undefined without `--callbacks-url`. */
export function statusCallbacksFrom(values: CallbackFlagValues): { options: StatusCallbackOptions; summary: string } | undefined {
  const url = values['callbacks-url'];
  if (url === undefined) {
    const given = Object.keys(callbackOptions).find((k) => k !== 'callbacks-url' && values[k as keyof CallbackFlagValues] !== undefined);
    if (given !== undefined) throw new InvalidOptionError('--callbacks-url', `given with \`--${given}\`: the URL to post the callbacks to`, undefined);
    return undefined;
  }
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) throw new InvalidOptionError('--callbacks-url', 'an http: or https: URL', '(not one)');
  const share = values['callbacks-share'] === undefined ? 1 : parseNumberOption(values['callbacks-share'], '--callbacks-share', 0, 1);
  const lateShare = values['callbacks-late-share'] === undefined ? 0 : parseNumberOption(values['callbacks-late-share'], '--callbacks-late-share', 0, 1);
  if (lateShare > share) throw new InvalidOptionError('--callbacks-late-share', `at most \`--callbacks-share\` (${share}): late callbacks are among those sent`, values['callbacks-late-share']);
  const [format] = parseEnumList(values['callbacks-format'], '--callbacks-format', FORMATS);
  const events = parseEnumList(values['callbacks-events'], '--callbacks-events', EVENTS);
  if (events.includes('none') && events.length > 1) throw new InvalidOptionError('--callbacks-events', '`none` alone, or `terminal`/`answered`', events.join(','));
  const options: StatusCallbackOptions = {
    url,
    share,
    lateShare,
    ...(values['callbacks-delay'] === undefined ? {} : { delayMs: parseDelayRange(values['callbacks-delay'], '--callbacks-delay') }),
    ...(values['callbacks-late'] === undefined ? {} : { lateMs: parseDelayRange(values['callbacks-late'], '--callbacks-late') }),
    ...(format === undefined ? {} : { format }),
    ...(events.length === 0 ? {} : { events: events.filter((e): e is StatusCallbackEvent => e !== 'none') }),
    ...(values['callbacks-retries'] === undefined ? {} : { retries: parseIntegerOption(values['callbacks-retries'], '--callbacks-retries', 0, 10) }),
    keep: 2_000,
  };
  const summary =
    `status callbacks to ${parsed.protocol}//${parsed.host}/… (${format ?? 'form'})` +
    (share < 1 ? `, ${Math.round(share * 100)}% sent` : '') +
    (lateShare > 0 ? `, ${Math.round(lateShare * 100)}% late` : '');
  return { options, summary };
}

export const callbackHelp = `Exotel's push (StatusCallbacks):
  --callbacks-url URL     POST a StatusCallback for each call that ends, as Exotel does
  --callbacks-share P     share of calls whose callback is sent at all (default 1)
  --callbacks-late-share P  share of calls whose callback comes late (default 0)
  --callbacks-delay DUR[-DUR]  from a call's end to its callback (default 1s-5s)
  --callbacks-late DUR[-DUR]   the same for a late one (default 2m-10m)
  --callbacks-format F    form (default) or json
  --callbacks-events E    terminal (default), answered (also when answered), or none
                          (only the four fields sent without StatusCallbackEvents)
  --callbacks-retries N   retries of a delivery that failed (default 2, as Exotel)`;
