/**
 * The service's Redis connection (ioredis, an optional peer dependency: installed only where Redis
 * is used). The URL may carry a password: it is never logged, only its host.
 */
import type { Logger } from 'pino';
import { UsageError } from '../UsageError.js';
import type { RedisCommands } from '../../sinks/RedisCommands.js';

export interface RedisConnection {
  client: RedisCommands;
  close(): Promise<void>;
}

export async function connectRedis(url: string, log: Logger): Promise<RedisConnection> {
  let Redis: typeof import('ioredis').Redis;
  try {
    ({ Redis } = await import('ioredis'));
  } catch {
    throw new UsageError('EXOTEL_REDIS_URL is set, but the `ioredis` package is not installed: `npm install ioredis@6`.', { showHelpHint: false });
  }
  const where = url.replace(/\/\/[^/@]*@/, '//');
  // Commands wait (in ioredis's offline queue) while the server is away; the sinks retry on errors.
  const client = new Redis(url, { maxRetriesPerRequest: 2, enableOfflineQueue: true, lazyConnect: false });
  client.on('error', (error: Error) => log.warn({ redis: where, err: error.message }, 'redis connection error'));
  client.on('ready', () => log.info({ redis: where }, 'redis connected'));
  return {
    client: client as unknown as RedisCommands,
    async close() {
      await client.quit().catch(() => client.disconnect());
    },
  };
}
