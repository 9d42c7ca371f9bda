import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { startRedisServer } from './redisServer.js';
import type { RedisServer } from './redisServer.js';

// Needs Debian's redis-server: `npm test` installs it in pretest (scripts/services/redis.sh), CI in .ci/run.
describe('the test helper that runs a real redis-server', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('serves on a loopback port, and a restart loses every key and script, as a crash of a Redis without persistence does', async () => {
    const redis = new Redis(server.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await redis.connect();
      await redis.set('k', 'v');
      const sha = await redis.script('LOAD', 'return 1');
      expect(await redis.get('k')).toBe('v');
      const before = server.pid;
      await server.restart();
      expect(server.pid).not.toBe(before);
      // ioredis reconnects by itself.
      await expect(redis.get('k')).resolves.toBeNull();
      await expect(redis.evalsha(sha as string, 0)).rejects.toThrow(/NOSCRIPT/);
    } finally {
      redis.disconnect();
    }
  });
});
