/**
 * The configuration of `exotel-calls serve`: defaults, then an optional JSON or YAML file, then
 * environment variables (env wins over the file). Every value is checked where it enters, with an
 * error that names its key (`sinks.webhooks[0].url`) or its variable (`EXOTEL_CALLS_PORT`).
 * Secrets (the API token, webhook secrets, a Redis password) come only from the environment or from
 * files named in the configuration (`apiTokenFile`, `secretFile`), never from the file itself.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { InvalidOptionError } from '../../exotel/errors.js';
import type { CallStreamFilters } from '../../stream/types.js';
import { parseDurationMs, parsePhoneList, parseEnumList } from '../parse.js';
import { DIRECTIONS, STATUSES } from '../streamFlags.js';
import { UsageError } from '../UsageError.js';
import { assertCallbackSecret } from '../../hints/callbackSecret.js';

export interface WebhookSinkConfig {
  name: string;
  url: string;
  secret: string;
  outboxPath: string;
  maxAttempts: number;
  timeoutMs: number;
  minDelayMs: number;
  maxDelayMs: number;
}
export interface FileSinkConfig {
  name: string;
  path: string;
  rotate: { maxBytes: number; every?: 'hourly' | 'daily' | number; keep: number } | false;
}
export interface RedisStreamSinkConfig {
  name: string;
  key: string;
  maxLen: number;
  group?: string;
  outboxPath: string;
  maxAttempts: number;
}

export interface ServiceConfig {
  account: { accountSid: string; apiKey: string; apiToken: string; subdomain?: string; baseUrl?: string; timeZone: string };
  stream: {
    pollIntervalMs?: number;
    lookbackMs?: number;
    settleMs?: number;
    pageSize?: number;
    maxRequestsPerMinute?: number;
    details: boolean;
    filters?: CallStreamFilters;
  };
  dataDir: string;
  storePath: string;
  http: { host: string; port: number };
  readiness: { maxLagMs: number };
  wallboard: { enabled: boolean; host: string; port: number; title: string; theme: 'dark' | 'light' | 'auto' };
  sinks: { webhooks: WebhookSinkConfig[]; files: FileSinkConfig[]; redisStreams: RedisStreamSinkConfig[] };
  redis: { url: string } | undefined;
  metrics: { prefix: string };
  log: { level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent' };
  shutdown: { drainTimeoutMs: number };
  /**
   * The endpoint for Exotel's `StatusCallback`s, taken as hints (`hint()`): on the HTTP port, or
   * on a port of its own (`port`), at `path` (and `path/<secret>`).
   */
  hints: { enabled: boolean; path: string; secret?: string; host?: string; port?: number };
}

/** The environment variables `serve` reads (documented in docs/service.md), for `--help`. */
export const SERVICE_ENV = {
  EXOTEL_ACCOUNT_SID: 'account Sid',
  EXOTEL_API_KEY: 'API key',
  EXOTEL_API_TOKEN: 'API token (or EXOTEL_API_TOKEN_FILE: a file holding it)',
  EXOTEL_SUBDOMAIN: 'api.exotel.com (default) or api.in.exotel.com',
  EXOTEL_BASE_URL: 'instead of the subdomain: a full URL (http only for loopback)',
  EXOTEL_TIME_ZONE: "zone of the account's timestamps (default Asia/Kolkata)",
  EXOTEL_CALLS_CONFIG: 'a JSON or YAML configuration file (or --config)',
  EXOTEL_CALLS_DATA_DIR: 'where the checkpoint, outboxes and dead letters live (default ./exotel-calls-data)',
  EXOTEL_CALLS_HOST: 'interface of /healthz, /readyz, /metrics (default 127.0.0.1)',
  EXOTEL_CALLS_PORT: 'their port (default 9464)',
  EXOTEL_CALLS_POLL_INTERVAL: 'how often the fresh window is polled (default 15s)',
  EXOTEL_CALLS_MAX_REQUESTS_PER_MINUTE: "the account's request quota this process may use (default 200)",
  EXOTEL_CALLS_MAX_LAG: 'readiness: the longest lag that is still ready (default 4 poll intervals + 1m)',
  EXOTEL_CALLS_WEBHOOK_URL: 'post events to this URL (Standard Webhooks signatures)',
  EXOTEL_CALLS_WEBHOOK_SECRET: 'its secret, whsec_<base64> or the key (or EXOTEL_CALLS_WEBHOOK_SECRET_FILE)',
  EXOTEL_CALLS_NDJSON: 'write events to this NDJSON file (rotated daily)',
  EXOTEL_REDIS_URL: 'redis://[:password@]host:port/db, for Redis Stream sinks and outboxes',
  EXOTEL_CALLS_REDIS_STREAM: 'XADD events to this Redis Stream key',
  EXOTEL_CALLS_WALLBOARD: '`off` to serve no wallboard',
  EXOTEL_CALLS_WALLBOARD_HOST: 'interface of the wallboard (default: EXOTEL_CALLS_HOST)',
  EXOTEL_CALLS_WALLBOARD_PORT: 'its port (default 8080)',
  EXOTEL_CALLS_LOG_LEVEL: 'fatal, error, warn, info (default), debug, trace or silent',
  EXOTEL_CALLS_HINTS: "`on` to take Exotel's StatusCallbacks as hints (on by default once a secret is set)",
  EXOTEL_CALLS_HINTS_SECRET: 'the secret their URL carries (…/<secret> or ?token=<secret>); 16+ characters',
  EXOTEL_CALLS_HINTS_PATH: 'where they are posted (default /exotel/status-callback)',
  EXOTEL_CALLS_HINTS_PORT: 'a port of their own (default: the HTTP port of /healthz)',
} as const;

type Json = Record<string, unknown>;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
/** Keys that would put a secret in the file; each names where the secret goes instead. */
const SECRET_KEYS: Record<string, string> = {
  apiToken: '`apiTokenFile` or EXOTEL_API_TOKEN',
  secret: '`secretFile`, `secretEnv` or EXOTEL_CALLS_WEBHOOK_SECRET',
  password: 'EXOTEL_REDIS_URL',
};

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Refuses keys the section does not know (a typo must not fall back to a default silently). */
function known(section: Json, path: string, keys: string[]): void {
  for (const key of Object.keys(section)) {
    const at = path === '' ? key : `${path}.${key}`;
    if (key in SECRET_KEYS) throw new InvalidOptionError(at, `absent: secrets come only from the environment or a file (${SECRET_KEYS[key]})`, '(hidden)');
    if (key === 'fleet' && path === '') {
      throw new InvalidOptionError('fleet', 'absent: this version serves one account per process (run a replica per account)', '(a fleet section)');
    }
    if (!keys.includes(key)) throw new InvalidOptionError(at, `absent: not a key of ${path === '' ? 'the configuration' : `\`${path}\``} (known: ${keys.join(', ')})`, section[key]);
  }
}

function section(parent: Json, key: string, path: string): Json {
  const value = parent[key];
  if (value === undefined) return {};
  if (!isObject(value)) throw new InvalidOptionError(path, 'an object', value);
  return value;
}

function str(value: unknown, path: string, fallback?: string): string | undefined {
  if (value === undefined || value === '') return fallback;
  if (typeof value !== 'string') throw new InvalidOptionError(path, 'a string', value);
  return value;
}

function int(value: unknown, path: string, min: number, max: number, fallback?: number): number | undefined {
  if (value === undefined || value === '') return fallback;
  const n = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < min || n > max) throw new InvalidOptionError(path, `an integer from ${min} to ${max}`, value);
  return n;
}

function bool(value: unknown, path: string, fallback: boolean): boolean {
  if (value === undefined || value === '') return fallback;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(true|on|yes|1)$/i.test(value)) return true;
  if (typeof value === 'string' && /^(false|off|no|0)$/i.test(value)) return false;
  throw new InvalidOptionError(path, 'a boolean (`true`/`false`, `on`/`off`)', value);
}

/** A duration: `15s`, `5m`, `1h30m`, or milliseconds as a number. */
function duration(value: unknown, path: string, { allowZero = false } = {}): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0 || (value === 0 && !allowZero)) throw new InvalidOptionError(path, 'a duration such as `15s` or milliseconds', value);
    return value;
  }
  if (typeof value !== 'string') throw new InvalidOptionError(path, 'a duration such as `15s`, `5m` or `1h30m`', value);
  return parseDurationMs(value, path, { allowZero });
}

/** Reads a secret from a file (first non-empty line); the error names the key, never the content. */
function secretFrom(file: string, path: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new InvalidOptionError(path, `a readable file (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`, file);
  }
  const line = text.split(/\r?\n/).map((l) => l.trim()).find((l) => l.length > 0);
  if (line === undefined) throw new InvalidOptionError(path, 'a file holding the secret on its first line', `${file} (empty)`);
  return line;
}

/** Reads the configuration file: `.json`, or YAML (`.yaml`, `.yml`). */
export function readConfigFile(path: string): Json {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new InvalidOptionError('--config', `a readable file (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`, path);
  }
  let data: unknown;
  try {
    data = /\.json$/i.test(path) ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new InvalidOptionError('--config', `valid ${/\.json$/i.test(path) ? 'JSON' : 'YAML'} (${(error as Error).message.split('\n')[0]})`, path);
  }
  if (data === null || data === undefined) return {};
  if (!isObject(data)) throw new InvalidOptionError('--config', 'a file holding one object (a mapping)', path);
  return data;
}

export interface LoadServiceConfigOptions {
  env: NodeJS.ProcessEnv;
  /** The file's content (already read), or undefined. */
  file?: Json | undefined;
  /** Relative paths in the file and the environment are read from here. */
  cwd: string;
}

/** Defaults, then the file, then the environment: the checked configuration. */
export function loadServiceConfig({ env, file = {}, cwd }: LoadServiceConfigOptions): ServiceConfig {
  const e = (name: string) => {
    const v = env[name]?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  const path = (p: string) => resolve(cwd, p);
  known(file, '', ['account', 'stream', 'dataDir', 'store', 'http', 'readiness', 'wallboard', 'sinks', 'redis', 'metrics', 'log', 'shutdown', 'hints']);

  // --- account --------------------------------------------------------------------------------
  const a = section(file, 'account', 'account');
  known(a, 'account', ['accountSid', 'apiKey', 'apiKeyFile', 'apiTokenFile', 'subdomain', 'baseUrl', 'timeZone']);
  const accountSid = e('EXOTEL_ACCOUNT_SID') ?? str(a.accountSid, 'account.accountSid');
  const apiKeyFile = str(a.apiKeyFile, 'account.apiKeyFile');
  const apiKey = e('EXOTEL_API_KEY') ?? (apiKeyFile ? secretFrom(path(apiKeyFile), 'account.apiKeyFile') : str(a.apiKey, 'account.apiKey'));
  const tokenFile = e('EXOTEL_API_TOKEN_FILE') ?? str(a.apiTokenFile, 'account.apiTokenFile');
  const apiToken = e('EXOTEL_API_TOKEN') ?? (tokenFile ? secretFrom(path(tokenFile), e('EXOTEL_API_TOKEN_FILE') ? 'EXOTEL_API_TOKEN_FILE' : 'account.apiTokenFile') : undefined);
  const missing = [
    accountSid === undefined && 'EXOTEL_ACCOUNT_SID (or `account.accountSid`)',
    apiKey === undefined && 'EXOTEL_API_KEY (or `account.apiKey`)',
    apiToken === undefined && 'EXOTEL_API_TOKEN (or EXOTEL_API_TOKEN_FILE, or `account.apiTokenFile`)',
  ].filter((m): m is string => typeof m === 'string');
  if (missing.length > 0) throw new UsageError(`Missing credentials: set ${missing.join('; ')}.`, { exitCode: 3, showHelpHint: false });
  const baseUrl = e('EXOTEL_BASE_URL') ?? str(a.baseUrl, 'account.baseUrl');
  const subdomain = e('EXOTEL_SUBDOMAIN') ?? str(a.subdomain, 'account.subdomain');
  const timeZone = e('EXOTEL_TIME_ZONE') ?? str(a.timeZone, 'account.timeZone', 'Asia/Kolkata')!;

  // --- stream ---------------------------------------------------------------------------------
  const s = section(file, 'stream', 'stream');
  known(s, 'stream', ['pollInterval', 'lookback', 'settle', 'pageSize', 'maxRequestsPerMinute', 'details', 'filters']);
  const stream: ServiceConfig['stream'] = { details: bool(s.details, 'stream.details', false) };
  const poll = e('EXOTEL_CALLS_POLL_INTERVAL') === undefined ? duration(s.pollInterval, 'stream.pollInterval') : duration(e('EXOTEL_CALLS_POLL_INTERVAL'), 'EXOTEL_CALLS_POLL_INTERVAL');
  if (poll !== undefined) stream.pollIntervalMs = poll;
  const lookback = duration(s.lookback, 'stream.lookback');
  if (lookback !== undefined) stream.lookbackMs = lookback;
  const settle = duration(s.settle, 'stream.settle', { allowZero: true });
  if (settle !== undefined) stream.settleMs = settle;
  const pageSize = int(s.pageSize, 'stream.pageSize', 1, 100);
  if (pageSize !== undefined) stream.pageSize = pageSize;
  const rpm =
    e('EXOTEL_CALLS_MAX_REQUESTS_PER_MINUTE') === undefined
      ? int(s.maxRequestsPerMinute, 'stream.maxRequestsPerMinute', 1, 100_000)
      : int(e('EXOTEL_CALLS_MAX_REQUESTS_PER_MINUTE'), 'EXOTEL_CALLS_MAX_REQUESTS_PER_MINUTE', 1, 100_000);
  if (rpm !== undefined) stream.maxRequestsPerMinute = rpm;
  const f = section(s, 'filters', 'stream.filters');
  known(f, 'stream.filters', ['direction', 'status', 'phoneNumber', 'to', 'from']);
  const list = (v: unknown, p: string): string[] | undefined => {
    if (v === undefined) return undefined;
    if (typeof v === 'string') return [v];
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
    throw new InvalidOptionError(p, 'a string or a list of strings', v);
  };
  const filters: CallStreamFilters = {};
  const direction = parseEnumList(list(f.direction, 'stream.filters.direction'), 'stream.filters.direction', DIRECTIONS);
  const status = parseEnumList(list(f.status, 'stream.filters.status'), 'stream.filters.status', STATUSES);
  if (direction.length > 0) filters.direction = direction;
  if (status.length > 0) filters.status = status;
  for (const key of ['phoneNumber', 'to', 'from'] as const) {
    const numbers = parsePhoneList(list(f[key], `stream.filters.${key}`), `stream.filters.${key}`);
    if (numbers.length > 0) filters[key] = numbers;
  }
  if (Object.keys(filters).length > 0) stream.filters = filters;

  // --- files, HTTP, readiness ---------------------------------------------------------------------
  const dataDir = path(e('EXOTEL_CALLS_DATA_DIR') ?? str(file.dataDir, 'dataDir', 'exotel-calls-data')!);
  const st = section(file, 'store', 'store');
  known(st, 'store', ['path']);
  const storePath = path(str(st.path, 'store.path') ?? resolve(dataDir, 'checkpoint.json'));
  const h = section(file, 'http', 'http');
  known(h, 'http', ['host', 'port']);
  const host = e('EXOTEL_CALLS_HOST') ?? str(h.host, 'http.host', '127.0.0.1')!;
  const port = e('EXOTEL_CALLS_PORT') === undefined ? int(h.port, 'http.port', 0, 65_535, 9464)! : int(e('EXOTEL_CALLS_PORT'), 'EXOTEL_CALLS_PORT', 0, 65_535)!;
  const r = section(file, 'readiness', 'readiness');
  known(r, 'readiness', ['maxLag']);
  const maxLagMs =
    (e('EXOTEL_CALLS_MAX_LAG') === undefined ? duration(r.maxLag, 'readiness.maxLag') : duration(e('EXOTEL_CALLS_MAX_LAG'), 'EXOTEL_CALLS_MAX_LAG')) ??
    4 * (stream.pollIntervalMs ?? 15_000) + 60_000;

  const w = section(file, 'wallboard', 'wallboard');
  known(w, 'wallboard', ['enabled', 'host', 'port', 'title', 'theme']);
  const theme = str(w.theme, 'wallboard.theme', 'dark')!;
  if (theme !== 'dark' && theme !== 'light' && theme !== 'auto') throw new InvalidOptionError('wallboard.theme', '`dark`, `light` or `auto`', theme);
  const wallboard = {
    enabled: e('EXOTEL_CALLS_WALLBOARD') === undefined ? bool(w.enabled, 'wallboard.enabled', true) : bool(e('EXOTEL_CALLS_WALLBOARD'), 'EXOTEL_CALLS_WALLBOARD', true),
    host: e('EXOTEL_CALLS_WALLBOARD_HOST') ?? str(w.host, 'wallboard.host') ?? host,
    port: e('EXOTEL_CALLS_WALLBOARD_PORT') === undefined ? int(w.port, 'wallboard.port', 0, 65_535, 8080)! : int(e('EXOTEL_CALLS_WALLBOARD_PORT'), 'EXOTEL_CALLS_WALLBOARD_PORT', 0, 65_535)!,
    title: str(w.title, 'wallboard.title', `Calls (${accountSid})`)!,
    theme: theme as 'dark' | 'light' | 'auto',
  };

  // --- sinks ----------------------------------------------------------------------------------
  const sk = section(file, 'sinks', 'sinks');
  known(sk, 'sinks', ['webhooks', 'files', 'redisStreams']);
  const items = (key: string): Json[] => {
    const v = sk[key];
    if (v === undefined) return [];
    if (!Array.isArray(v)) throw new InvalidOptionError(`sinks.${key}`, 'a list', v);
    return v.map((item, i) => {
      if (!isObject(item)) throw new InvalidOptionError(`sinks.${key}[${i}]`, 'an object', item);
      return item;
    });
  };
  const names = new Set<string>();
  const named = (name: string, p: string) => {
    if (!/^[a-z][a-z0-9-]{0,39}$/.test(name)) throw new InvalidOptionError(`${p}.name`, 'lower-case letters, digits and `-`, starting with a letter', name);
    if (names.has(name)) throw new InvalidOptionError(`${p}.name`, 'a name no other sink has', name);
    names.add(name);
    return name;
  };
  const webhookItems = items('webhooks');
  if (e('EXOTEL_CALLS_WEBHOOK_URL') !== undefined) webhookItems.push({ url: e('EXOTEL_CALLS_WEBHOOK_URL'), fromEnv: true });
  const webhooks = webhookItems.map((item, i): WebhookSinkConfig => {
    const p = item.fromEnv ? 'EXOTEL_CALLS_WEBHOOK_URL' : `sinks.webhooks[${i}]`;
    if (!item.fromEnv) known(item, p, ['name', 'url', 'secretFile', 'secretEnv', 'outbox', 'maxAttempts', 'timeout', 'minDelay', 'maxDelay']);
    const url = str(item.url, item.fromEnv ? p : `${p}.url`);
    if (url === undefined) throw new InvalidOptionError(`${p}.url`, 'the URL to post events to', undefined);
    const secretEnv = str(item.secretEnv, `${p}.secretEnv`);
    const secretFile = str(item.secretFile, `${p}.secretFile`) ?? (item.fromEnv ? e('EXOTEL_CALLS_WEBHOOK_SECRET_FILE') : undefined);
    const secret = secretEnv !== undefined ? e(secretEnv) : secretFile !== undefined ? secretFrom(path(secretFile), `${p}.secretFile`) : e('EXOTEL_CALLS_WEBHOOK_SECRET');
    if (secret === undefined) {
      throw new InvalidOptionError(secretEnv ? secretEnv : `${p}.secretFile`, 'the webhook secret (set EXOTEL_CALLS_WEBHOOK_SECRET, or `secretFile`/`secretEnv`)', undefined);
    }
    const name = named(str(item.name, `${p}.name`, webhookItems.length === 1 ? 'webhook' : `webhook-${i + 1}`)!, p);
    const minDelayMs = duration(item.minDelay, `${p}.minDelay`) ?? 1_000;
    return {
      name,
      url,
      secret,
      outboxPath: path(str(item.outbox, `${p}.outbox`) ?? resolve(dataDir, `${name}.outbox.jsonl`)),
      maxAttempts: int(item.maxAttempts, `${p}.maxAttempts`, 1, 1_000_000) ?? Infinity,
      timeoutMs: duration(item.timeout, `${p}.timeout`) ?? 10_000,
      minDelayMs,
      maxDelayMs: Math.max(minDelayMs, duration(item.maxDelay, `${p}.maxDelay`) ?? 300_000),
    };
  });
  const fileItems = items('files');
  if (e('EXOTEL_CALLS_NDJSON') !== undefined) fileItems.push({ path: e('EXOTEL_CALLS_NDJSON'), rotate: { every: 'daily' }, fromEnv: true });
  const files = fileItems.map((item, i): FileSinkConfig => {
    const p = item.fromEnv ? 'EXOTEL_CALLS_NDJSON' : `sinks.files[${i}]`;
    if (!item.fromEnv) known(item, p, ['name', 'path', 'rotate']);
    const filePath = str(item.path, item.fromEnv ? p : `${p}.path`);
    if (filePath === undefined) throw new InvalidOptionError(`${p}.path`, 'the NDJSON file to write', undefined);
    const name = named(str(item.name, `${p}.name`, fileItems.length === 1 ? 'ndjson' : `ndjson-${i + 1}`)!, p);
    let rotate: FileSinkConfig['rotate'];
    if (item.rotate === false) rotate = false;
    else {
      const ro = section(item, 'rotate', `${p}.rotate`);
      known(ro, `${p}.rotate`, ['maxBytes', 'every', 'keep']);
      const every = ro.every;
      if (every !== undefined && every !== 'hourly' && every !== 'daily') {
        const ms = duration(every, `${p}.rotate.every`);
        rotate = { maxBytes: int(ro.maxBytes, `${p}.rotate.maxBytes`, 1, Number.MAX_SAFE_INTEGER, 104_857_600)!, every: ms!, keep: int(ro.keep, `${p}.rotate.keep`, 0, 100_000, 30)! };
      } else {
        rotate = {
          maxBytes: int(ro.maxBytes, `${p}.rotate.maxBytes`, 1, Number.MAX_SAFE_INTEGER, 104_857_600)!,
          ...(every === undefined ? {} : { every }),
          keep: int(ro.keep, `${p}.rotate.keep`, 0, 100_000, 30)!,
        };
      }
    }
    return { name, path: path(filePath), rotate };
  });
  const redisItems = items('redisStreams');
  if (e('EXOTEL_CALLS_REDIS_STREAM') !== undefined) redisItems.push({ key: e('EXOTEL_CALLS_REDIS_STREAM'), fromEnv: true });
  const redisStreams = redisItems.map((item, i): RedisStreamSinkConfig => {
    const p = item.fromEnv ? 'EXOTEL_CALLS_REDIS_STREAM' : `sinks.redisStreams[${i}]`;
    if (!item.fromEnv) known(item, p, ['name', 'key', 'maxLen', 'group', 'outbox', 'maxAttempts']);
    const key = str(item.key, item.fromEnv ? p : `${p}.key`);
    if (key === undefined) throw new InvalidOptionError(`${p}.key`, 'the Redis Stream key to XADD to', undefined);
    const name = named(str(item.name, `${p}.name`, redisItems.length === 1 ? 'redis-stream' : `redis-stream-${i + 1}`)!, p);
    const group = str(item.group, `${p}.group`);
    return {
      name,
      key,
      maxLen: int(item.maxLen, `${p}.maxLen`, 1, Number.MAX_SAFE_INTEGER, 1_000_000)!,
      ...(group === undefined ? {} : { group }),
      outboxPath: path(str(item.outbox, `${p}.outbox`) ?? resolve(dataDir, `${name}.outbox.jsonl`)),
      maxAttempts: int(item.maxAttempts, `${p}.maxAttempts`, 1, 1_000_000) ?? Infinity,
    };
  });

  const rd = section(file, 'redis', 'redis');
  known(rd, 'redis', ['url']);
  const redisUrl = e('EXOTEL_REDIS_URL') ?? str(rd.url, 'redis.url');
  if (redisUrl !== undefined && e('EXOTEL_REDIS_URL') === undefined && /\/\/[^/]*@/.test(redisUrl)) {
    throw new InvalidOptionError('redis.url', 'a URL without a password (set the full URL in EXOTEL_REDIS_URL)', '(a URL with credentials)');
  }
  if (redisUrl !== undefined && !/^rediss?:\/\//.test(redisUrl)) throw new InvalidOptionError(e('EXOTEL_REDIS_URL') ? 'EXOTEL_REDIS_URL' : 'redis.url', 'a `redis://` or `rediss://` URL', redisUrl.replace(/\/\/[^/]*@/, '//…@'));
  if (redisStreams.length > 0 && redisUrl === undefined) throw new InvalidOptionError('EXOTEL_REDIS_URL', 'set: a Redis Stream sink needs a Redis server', undefined);

  const m = section(file, 'metrics', 'metrics');
  known(m, 'metrics', ['prefix']);
  const prefix = str(m.prefix, 'metrics.prefix', 'exotel_calls')!;
  if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(prefix)) throw new InvalidOptionError('metrics.prefix', 'a Prometheus name prefix (letters, digits, `_`)', prefix);
  const l = section(file, 'log', 'log');
  known(l, 'log', ['level']);
  const level = e('EXOTEL_CALLS_LOG_LEVEL') ?? str(l.level, 'log.level', 'info')!;
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new InvalidOptionError(e('EXOTEL_CALLS_LOG_LEVEL') ? 'EXOTEL_CALLS_LOG_LEVEL' : 'log.level', `one of ${LOG_LEVELS.join(', ')}`, level);
  }
  const sd = section(file, 'shutdown', 'shutdown');
  known(sd, 'shutdown', ['drainTimeout']);

  // --- hints: Exotel's StatusCallbacks ----------------------------------------------------------
  const hn = section(file, 'hints', 'hints');
  known(hn, 'hints', ['enabled', 'path', 'secretEnv', 'secretFile', 'requireSecret', 'host', 'port']);
  const hintSecretEnv = str(hn.secretEnv, 'hints.secretEnv');
  const hintSecretFile = str(hn.secretFile, 'hints.secretFile');
  const hintSecretFrom = hintSecretEnv ?? (hintSecretFile !== undefined ? 'hints.secretFile' : 'EXOTEL_CALLS_HINTS_SECRET');
  const hintSecret = hintSecretEnv !== undefined ? e(hintSecretEnv) : hintSecretFile !== undefined ? secretFrom(path(hintSecretFile), 'hints.secretFile') : e('EXOTEL_CALLS_HINTS_SECRET');
  if (hintSecret !== undefined) assertCallbackSecret(hintSecretFrom, hintSecret);
  const hintsEnabled =
    e('EXOTEL_CALLS_HINTS') === undefined ? bool(hn.enabled, 'hints.enabled', hintSecret !== undefined) : bool(e('EXOTEL_CALLS_HINTS'), 'EXOTEL_CALLS_HINTS', hintSecret !== undefined);
  if (hintsEnabled && hintSecret === undefined && bool(hn.requireSecret, 'hints.requireSecret', true)) {
    // Anyone who finds the endpoint could spend the account's quota on made-up Sids.
    throw new InvalidOptionError(hintSecretFrom, 'set: the callback endpoint needs a secret (or `hints.requireSecret: false` behind a proxy that checks one)', undefined);
  }
  const hintPath = e('EXOTEL_CALLS_HINTS_PATH') ?? str(hn.path, 'hints.path', '/exotel/status-callback')!;
  if (!/^\/[A-Za-z0-9._~!$'()*,;:@/-]*$/.test(hintPath) || hintPath.endsWith('/') || ['/healthz', '/readyz', '/metrics'].includes(hintPath)) {
    throw new InvalidOptionError(e('EXOTEL_CALLS_HINTS_PATH') ? 'EXOTEL_CALLS_HINTS_PATH' : 'hints.path', 'a path such as `/exotel/status-callback` (not /healthz, /readyz or /metrics, no trailing `/`)', hintPath);
  }
  const hintPort = e('EXOTEL_CALLS_HINTS_PORT') === undefined ? int(hn.port, 'hints.port', 0, 65_535) : int(e('EXOTEL_CALLS_HINTS_PORT'), 'EXOTEL_CALLS_HINTS_PORT', 0, 65_535);
  if (hintPort !== undefined && hintPort !== 0 && (hintPort === port || (wallboard.enabled && hintPort === wallboard.port))) {
    throw new InvalidOptionError(e('EXOTEL_CALLS_HINTS_PORT') ? 'EXOTEL_CALLS_HINTS_PORT' : 'hints.port', 'a port the HTTP port and the wallboard do not use (leave it out to share the HTTP port)', hintPort);
  }
  const hintHost = str(hn.host, 'hints.host');
  const hints: ServiceConfig['hints'] = {
    enabled: hintsEnabled,
    path: hintPath,
    ...(hintSecret === undefined ? {} : { secret: hintSecret }),
    ...(hintPort === undefined ? {} : { port: hintPort, host: hintHost ?? host }),
  };

  return {
    account: {
      accountSid: accountSid!,
      apiKey: apiKey!,
      apiToken: apiToken!,
      ...(baseUrl === undefined ? {} : { baseUrl }),
      ...(subdomain === undefined ? {} : { subdomain }),
      timeZone,
    },
    stream,
    dataDir,
    storePath,
    http: { host, port },
    readiness: { maxLagMs },
    wallboard,
    sinks: { webhooks, files, redisStreams },
    redis: redisUrl === undefined ? undefined : { url: redisUrl },
    metrics: { prefix },
    log: { level: level as ServiceConfig['log']['level'] },
    shutdown: { drainTimeoutMs: duration(sd.drainTimeout, 'shutdown.drainTimeout', { allowZero: true }) ?? 10_000 },
    hints,
  };
}
