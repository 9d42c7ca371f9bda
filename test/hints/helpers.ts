// Helpers of the receiver's tests: a target that records hints, a loopback server, raw requests.
import { createServer, request, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CallHint, HintTarget } from '../../src/hints/types.js';

export interface RecordingTarget extends HintTarget {
  readonly hints: CallHint[];
  /** What `hint()` does next: take it, say no, or throw. */
  mode: 'take' | 'refuse' | 'throw';
}

export function recordingTarget(): RecordingTarget {
  const target: RecordingTarget = {
    hints: [],
    mode: 'take',
    hint(hint: CallHint) {
      if (target.mode === 'throw') throw new Error('the stream broke');
      if (target.mode === 'refuse') return false;
      target.hints.push(hint);
      return true;
    },
  };
  return target;
}

export interface Loopback {
  readonly url: string;
  close(): Promise<void>;
}

export async function listen(listener: RequestListener | Server): Promise<Loopback> {
  const server = typeof listener === 'function' ? createServer(listener) : listener;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json: Record<string, unknown>;
}

/** One request with node:http (no pooling), the body written at once unless `chunks` says otherwise. */
export function send(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string | Buffer; chunks?: Array<string | { waitMs: number }> } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'POST', headers: options.headers, agent: false }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => {
        const body = Buffer.concat(parts).toString('utf8');
        let json: Record<string, unknown> = {};
        try {
          json = JSON.parse(body) as Record<string, unknown>;
        } catch {
          // not JSON
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json });
      });
    });
    req.on('error', reject);
    if (options.chunks) {
      void (async () => {
        for (const chunk of options.chunks!) {
          if (typeof chunk === 'string') req.write(chunk);
          else await new Promise((r) => setTimeout(r, chunk.waitMs));
        }
      })();
      return;
    }
    req.end(options.body);
  });
}

export const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };
export const JSON_TYPE = { 'Content-Type': 'application/json' };

/** A terminal callback as Exotel sends it with `StatusCallbackEvents=terminal`. */
export function terminalFields(sid: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    CallSid: sid,
    EventType: 'terminal',
    Status: 'completed',
    DateCreated: '2025-01-15 10:00:00',
    DateUpdated: '2025-01-15 10:02:07',
    StartTime: '2025-01-15 10:00:00',
    EndTime: '2025-01-15 10:02:05',
    RecordingUrl: `https://recordings.example/${sid}.mp3`,
    To: '+919800000001',
    From: '+917000000001',
    PhoneNumberSid: '+918047000001',
    ConversationDuration: '110',
    Direction: 'inbound',
    ...overrides,
  };
}

export const formBody = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
