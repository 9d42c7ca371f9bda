/**
 * A command's stream with `--redis`: connects, creates the account's leader stream (validated
 * before anything is sent), probes the API through the shared quota, and tells on stderr when
 * this process starts or stops leading.
 */
import type Bottleneck from 'bottleneck';
import { InvalidOptionError } from '../exotel/errors.js';
import type { RedisCallStream } from '../redis/RedisCallStream.js';
import type { CallStreamOptions, Store } from '../stream/types.js';
import { connectRedis } from './redisFlags.js';
import type { RedisSettings } from './redisFlags.js';
import { FLAG_OF_OPTION } from './streamFlags.js';
import { UsageError } from './UsageError.js';

export interface JoinOptions {
  settings: RedisSettings;
  options: Omit<CallStreamOptions, 'store' | 'saveIntervalMs'>;
  wrapStore?: (store: Store) => Store;
  /** One request before streaming, through the shared quota. */
  probe?: (limiter: Bottleneck) => Promise<void>;
  /** Where role changes are told (stderr), unless quiet. */
  note?: (message: string) => void;
}

export async function joinThroughRedis(join: JoinOptions): Promise<{ stream: RedisCallStream; close: () => Promise<void> }> {
  const { RedisCallStream } = await import('../redis/RedisCallStream.js');
  const redis = await connectRedis(join.settings);
  let stream: RedisCallStream | undefined;
  try {
    try {
      stream = new RedisCallStream(
        { ...join.options, redis: redis.client, prefix: join.settings.prefix, ...(join.settings.leaseMs === undefined ? {} : { leaseMs: join.settings.leaseMs }) },
        join.wrapStore ? { wrapStore: join.wrapStore } : {},
      );
    } catch (error) {
      if (error instanceof InvalidOptionError) {
        const flag = error.option === 'leaseMs' ? '--lease' : FLAG_OF_OPTION[error.option.split('.')[0] ?? ''];
        if (flag) throw new UsageError(`${error.message} (set with \`${flag}\`)`);
      }
      throw error;
    }
    // Through the stream's own share of the window, which it puts back if Redis loses it.
    if (join.probe) await join.probe(stream.limiter);
  } catch (error) {
    await stream?.stop();
    await redis.close();
    throw error;
  }
  const joined = stream;
  const note = join.note;
  if (note) {
    let last = 'idle';
    joined.role$.subscribe((role) => {
      if (role === last) return;
      last = role;
      if (role === 'leader') note(`leading account ${joined.accountSid} (lease token ${joined.token ?? '?'}, ${join.settings.shown})`);
      else if (role === 'standby') note(`standing by: another process leads account ${joined.accountSid}, or Redis cannot be reached`);
    });
  }
  return { stream: joined, close: () => redis.close() };
}
