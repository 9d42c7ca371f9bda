// A minimal SSE client over node:http for tests: records every message and the raw bytes.
import { request, type ClientRequest } from 'node:http';

export interface SseEvent {
  id: string | undefined;
  event: string;
  data: string;
}

export interface SseClient {
  readonly events: SseEvent[];
  readonly raw: string[];
  readonly status: Promise<number>;
  json<T = any>(event: string): T[];
  waitFor(predicate: (events: SseEvent[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): void;
}

export function connectSse(url: string, headers: Record<string, string> = {}): SseClient {
  const events: SseEvent[] = [];
  const raw: string[] = [];
  const waiters = new Set<() => void>();
  let buffer = '';
  let req: ClientRequest;
  const status = new Promise<number>((resolve, reject) => {
    req = request(url, { headers: { Accept: 'text/event-stream', ...headers } }, (res) => {
      resolve(res.statusCode ?? 0);
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        raw.push(chunk);
        buffer += chunk;
        let idx: number;
        while ((idx = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, idx);
          buffer = buffer.slice(idx + 2);
          let id: string | undefined;
          let event = 'message';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith('id: ')) id = line.slice(4);
            else if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (data.length > 0) events.push({ id, event, data: data.join('\n') });
        }
        for (const w of waiters) w();
      });
      res.on('error', () => undefined);
    });
    req.on('error', reject);
    req.end();
  });
  status.catch(() => undefined);
  return {
    events,
    raw,
    status,
    json: (event) => events.filter((e) => e.event === event).map((e) => JSON.parse(e.data)),
    waitFor(predicate, timeoutMs = 2000) {
      if (predicate(events)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const check = () => {
          if (predicate(events)) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve();
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`SSE condition not met in ${timeoutMs} ms; got ${events.map((e) => e.event).join(',')}`));
        }, timeoutMs);
        waiters.add(check);
      });
    },
    close: () => req.destroy(),
  };
}
