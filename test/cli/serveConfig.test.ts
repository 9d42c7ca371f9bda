// The configuration of `serve`: env over file over defaults, errors that name the key or the
// variable, secrets only from the environment or files.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadServiceConfig, readConfigFile } from '../../src/cli/serve/loadServiceConfig.js';

const dir = mkdtempSync(join(tmpdir(), 'serve-config-'));
const creds = { EXOTEL_ACCOUNT_SID: 'acme1', EXOTEL_API_KEY: 'k', EXOTEL_API_TOKEN: 'tok-123' };
const load = (file?: Record<string, unknown>, env: Record<string, string> = {}) => loadServiceConfig({ env: { ...creds, ...env }, file, cwd: dir });

describe('serve configuration', () => {
  it('has defaults that run with credentials alone', () => {
    const c = load();
    expect(c.http).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(c.readiness.maxLagMs).toBe(4 * 15_000 + 60_000);
    expect(c.dataDir).toBe(join(dir, 'exotel-calls-data'));
    expect(c.storePath).toBe(join(dir, 'exotel-calls-data', 'checkpoint.json'));
    expect(c.sinks).toEqual({ webhooks: [], files: [], redisStreams: [] });
    expect(c.wallboard).toMatchObject({ enabled: true, port: 8080, title: 'Calls (acme1)', theme: 'dark' });
    expect(() => load({ wallboard: { theme: 'neon' } })).toThrow(/`wallboard.theme` to be `dark`/);
    expect(c.log.level).toBe('info');
  });

  it('reads YAML and JSON files; the environment wins over the file', () => {
    writeFileSync(join(dir, 'a.yaml'), 'http:\n  port: 9000\nstream:\n  pollInterval: 5s\n  filters:\n    direction: inbound\n');
    writeFileSync(join(dir, 'a.json'), JSON.stringify({ http: { port: 9001 } }));
    expect(load(readConfigFile(join(dir, 'a.yaml')))).toMatchObject({ http: { port: 9000 }, stream: { pollIntervalMs: 5000, filters: { direction: ['inbound'] } }, readiness: { maxLagMs: 80_000 } });
    expect(load(readConfigFile(join(dir, 'a.json'))).http.port).toBe(9001);
    expect(load(readConfigFile(join(dir, 'a.yaml')), { EXOTEL_CALLS_PORT: '9100', EXOTEL_CALLS_POLL_INTERVAL: '2s' })).toMatchObject({ http: { port: 9100 }, stream: { pollIntervalMs: 2000 } });
    writeFileSync(join(dir, 'bad.yaml'), 'http: [1, 2\n');
    expect(() => readConfigFile(join(dir, 'bad.yaml'))).toThrow(/`--config` to be valid YAML/);
  });

  it('names the key or the variable of a bad value', () => {
    expect(() => load({ http: { port: 70_000 } })).toThrow('Expected `http.port` to be an integer from 0 to 65535, got `70000` (number)');
    expect(() => load({}, { EXOTEL_CALLS_PORT: 'eighty' })).toThrow(/`EXOTEL_CALLS_PORT` to be an integer/);
    expect(() => load({ stream: { pollInterval: 'often' } })).toThrow(/`stream.pollInterval` to be a duration/);
    expect(() => load({ stream: { filters: { direction: 'sideways' } } })).toThrow(/`stream.filters.direction` to be one of/);
    expect(() => load({ sinks: { webhooks: [{ url: 'https://x.example/h', secretEnv: 'S', maxAttempts: 0 }] } }, { S: 'a-secret-of-16-bytes' })).toThrow(/`sinks.webhooks\[0\].maxAttempts`/);
    expect(() => load({ htp: {} })).toThrow(/`htp` to be absent: not a key of the configuration/);
    expect(() => load({ sinks: { files: [{ path: 'x.ndjson', rotate: { evry: 'daily' } }] } })).toThrow(/`sinks.files\[0\].rotate.evry`/);
    expect(() => load({}, { EXOTEL_CALLS_LOG_LEVEL: 'loud' })).toThrow(/`EXOTEL_CALLS_LOG_LEVEL` to be one of fatal/);
    expect(() => load({ sinks: { redisStreams: [{ key: 'calls' }] } })).toThrow(/`EXOTEL_REDIS_URL` to be set/);
    expect(() => load({ fleet: { accounts: [] } })).toThrow(/`fleet` to be absent: this version serves one account per process/);
  });

  it('takes secrets only from the environment or files, and never shows them', () => {
    const refuse = (file: Record<string, unknown>, key: string) => {
      let message = '';
      try {
        load(file);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toContain(`\`${key}\` to be absent: secrets come only from the environment or a file`);
      expect(message).not.toContain('hunter2-hunter2-hunter2');
    };
    refuse({ account: { apiToken: 'hunter2-hunter2-hunter2' } }, 'account.apiToken');
    refuse({ sinks: { webhooks: [{ url: 'https://x.example/', secret: 'hunter2-hunter2-hunter2' }] } }, 'sinks.webhooks[0].secret');
    expect(() => load({ redis: { url: 'redis://:hunter2-hunter2-hunter2@127.0.0.1:6379' } })).toThrow(/`redis.url` to be a URL without a password/);
    writeFileSync(join(dir, 'token'), '\n  file-token  \n');
    writeFileSync(join(dir, 'hook'), 'whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQ=\n');
    const c = loadServiceConfig({
      env: { EXOTEL_ACCOUNT_SID: 'acme1', EXOTEL_API_KEY: 'k', EXOTEL_API_TOKEN_FILE: join(dir, 'token') },
      file: { sinks: { webhooks: [{ url: 'https://x.example/h', secretFile: 'hook' }] } },
      cwd: dir,
    });
    expect(c.account.apiToken).toBe('file-token');
    expect(c.sinks.webhooks[0]).toMatchObject({ name: 'webhook', secret: 'whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQ=', outboxPath: join(dir, 'exotel-calls-data', 'webhook.outbox.jsonl') });
    expect(() => load({ sinks: { webhooks: [{ url: 'https://x.example/h' }] } })).toThrow(/the webhook secret \(set EXOTEL_CALLS_WEBHOOK_SECRET/);
    expect(() => loadServiceConfig({ env: { EXOTEL_ACCOUNT_SID: 'a' }, cwd: dir })).toThrow(/Missing credentials: set EXOTEL_API_KEY.*EXOTEL_API_TOKEN/);
  });

  it('configures one webhook, one NDJSON file and one Redis Stream from variables alone', () => {
    const c = load(undefined, {
      EXOTEL_CALLS_WEBHOOK_URL: 'https://crm.example/hooks',
      EXOTEL_CALLS_WEBHOOK_SECRET: 'a-secret-of-16-bytes',
      EXOTEL_CALLS_NDJSON: 'out/calls.ndjson',
      EXOTEL_REDIS_URL: 'redis://:pw@127.0.0.1:6379/0',
      EXOTEL_CALLS_REDIS_STREAM: 'exotel:calls',
    });
    expect(c.sinks.webhooks.map((w) => [w.name, w.url])).toEqual([['webhook', 'https://crm.example/hooks']]);
    expect(c.sinks.files).toEqual([{ name: 'ndjson', path: join(dir, 'out/calls.ndjson'), rotate: { maxBytes: 104_857_600, every: 'daily', keep: 30 } }]);
    expect(c.sinks.redisStreams.map((r) => [r.name, r.key, r.maxLen])).toEqual([['redis-stream', 'exotel:calls', 1_000_000]]);
    expect(c.redis?.url).toBe('redis://:pw@127.0.0.1:6379/0');
  });
});
