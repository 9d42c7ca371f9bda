/**
 * A real redis-server per test file (started in `beforeAll`, stopped in `afterAll`), emptied
 * before each test, and ioredis clients that are disconnected after each test.
 */
import { Redis } from 'ioredis';
import type { RedisOptions } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { startRedisServer } from '../helpers/redisServer.js';
import type { RedisServer } from '../helpers/redisServer.js';

export interface RedisFixture {
  /** The running server (restart/kill/start it to make faults). */
  readonly server: RedisServer;
  /**
   * A new client, disconnected after the test. Commands fail fast while the server is down
   * (one retry), unless `options` say otherwise (`{}` gives ioredis's defaults).
   */
  client(options?: RedisOptions): Redis;
}

export function redisPerFile(): RedisFixture {
  let server: RedisServer | undefined;
  const clients: Redis[] = [];
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    await server?.stop();
  });
  beforeEach(async () => {
    await server!.start();
    const admin = new Redis(server!.url, { lazyConnect: true });
    await admin.connect();
    await admin.flushall();
    await admin.script('FLUSH');
    admin.disconnect();
  });
  afterEach(() => {
    while (clients.length > 0) clients.pop()!.disconnect();
  });
  return {
    get server() {
      if (server === undefined) throw new Error('the Redis server starts in beforeAll');
      return server;
    },
    client(options?: RedisOptions) {
      const c = new Redis(this.server.url, options ?? { maxRetriesPerRequest: 1, retryStrategy: (times) => Math.min(times * 50, 200) });
      // A test that kills the server sees the errors through the commands; the event is noise.
      c.on('error', () => {});
      clients.push(c);
      return c;
    },
  };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns true (every 20 ms), or fails after `timeoutMs`. */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'the condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}
