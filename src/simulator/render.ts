/** JSON and XML (`<TwilioResponse>`) bodies, shaped as in Exotel's reference. */
import type { RawCall } from '../exotel/types.js';

export type Format = 'json' | 'xml';

export interface PageUris {
  FirstPageUri: string | null;
  PrevPageUri: string | null;
  /** `undefined`: the key is left out. */
  NextPageUri: string | null | undefined;
}

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function xmlValue(name: string, value: unknown): string {
  if (value === null || value === undefined || value === '') return `<${name}></${name}>`;
  if (Array.isArray(value)) return `<${name}>${value.map((v) => xmlFields(v as Record<string, unknown>)).join('')}</${name}>`;
  if (typeof value === 'object') return `<${name}>${xmlFields(value as Record<string, unknown>)}</${name}>`;
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

function xmlFields(obj: Record<string, unknown>): string {
  return Object.entries(obj)
    .map(([k, v]) => xmlValue(k, v))
    .join('');
}

/** XML Details as in the reference: ConversationDuration, Leg1Status, Leg2Status, then Legs. */
function xmlCall(call: RawCall): string {
  const { Details, ...rest } = call;
  let out = xmlFields(rest);
  if (Details) {
    const { Legs, ...d } = Details;
    out += `<Details>${xmlFields({ ConversationDuration: d.ConversationDuration, Leg1Status: d.Leg1Status, Leg2Status: d.Leg2Status })}`;
    out += `<Legs>${(Legs ?? []).map((l) => xmlValue('Leg', l.Leg)).join('')}</Legs></Details>`;
  }
  return `<Call>${out}</Call>`;
}

const XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n';

export function renderList(format: Format, total: number, calls: RawCall[], uris: PageUris, placement: 'metadata' | 'top-level'): string {
  const uriEntries: Record<string, string | null> = {
    FirstPageUri: uris.FirstPageUri,
    PrevPageUri: uris.PrevPageUri,
  };
  if (uris.NextPageUri !== undefined) uriEntries.NextPageUri = uris.NextPageUri;
  const metadata = placement === 'metadata' ? { Total: total, PageSize: calls.length, ...uriEntries } : { Total: total, PageSize: calls.length };
  if (format === 'json') {
    const body = placement === 'metadata' ? { Metadata: metadata, Calls: calls } : { Metadata: metadata, ...uriEntries, Calls: calls };
    return JSON.stringify(body);
  }
  const top = placement === 'top-level' ? xmlFields(uriEntries) : '';
  return `${XML_HEAD}<TwilioResponse>${xmlValue('Metadata', metadata)}${top}${calls.map(xmlCall).join('')}</TwilioResponse>`;
}

export function renderCall(format: Format, call: RawCall): string {
  if (format === 'json') return JSON.stringify({ Call: call });
  return `${XML_HEAD}<TwilioResponse>${xmlCall(call)}</TwilioResponse>`;
}

export function renderError(format: Format, status: number, message: string): string {
  if (format === 'json') return JSON.stringify({ RestException: { Status: status, Message: message } });
  return `${XML_HEAD}<TwilioResponse><RestException>${xmlFields({ Status: status, Message: message })}</RestException></TwilioResponse>`;
}

export const contentType = (format: Format) => (format === 'json' ? 'application/json; charset=utf-8' : 'application/xml; charset=utf-8');
