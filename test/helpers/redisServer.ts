/**
 * A real `redis-server` for the tests that need one, on a free loopback port, with its own data
 * directory, started and stopped by the test itself. `scripts/services/redis.sh` installs Debian's
 * redis-server (`.ci/run` runs it; `npm test` runs it best-effort in `pretest`).
 *
 * @example
 * const redis = await startRedisServer();
 * try { ... new Redis(redis.url) ... } finally { await redis.stop(); }
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RedisServer {
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** The server's pid (changes on `restart`). */
  readonly pid: number | undefined;
  /**
   * Stops the server (SIGKILL: nothing is saved) and starts a new one on the same port: every key
   * and every loaded script is gone, as after a crash of a Redis without persistence.
   */
  restart(options?: { downMs?: number }): Promise<void>;
  /** Kills the server without starting another (a Redis outage); `start()` brings it back. */
  kill(): Promise<void>;
  /** Starts the server again after `kill()`. */
  start(): Promise<void>;
  /** Stops the server and removes its directory. */
  stop(): Promise<void>;
}

/** Whether `redis-server` can be run here (the tests that need it fail with this message otherwise). */
export function redisServerAvailable(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

const MISSING = 'redis-server is not installed: run `bash scripts/services/redis.sh` (as root), or `npm test`, whose pretest installs it';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Resolves once the server answers PING with PONG (raw RESP, no client library involved). */
async function waitForPong(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      let answer = '';
      socket.setTimeout(500, () => {
        socket.destroy();
        resolve(false);
      });
      socket.on('connect', () => socket.write('PING\r\n'));
      socket.on('data', (chunk) => {
        answer += chunk.toString('utf8');
        if (answer.includes('\r\n')) {
          socket.destroy();
          resolve(answer.startsWith('+PONG'));
        }
      });
      socket.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer PING within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * Starts `redis-server` on a free 127.0.0.1 port, without persistence, in a temporary directory.
 * Uses real timers: call it before installing a fake clock (or in `beforeAll`).
 */
export async function startRedisServer(): Promise<RedisServer> {
  if (!redisServerAvailable()) throw new Error(MISSING);
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'exotel-redis-'));
  let child: ChildProcess | undefined;

  const launch = async () => {
    const proc = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--protected-mode', 'yes', '--loglevel', 'warning'],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    proc.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child = proc;
    try {
      await waitForPong(port, 10_000);
    } catch (error) {
      proc.kill('SIGKILL');
      throw new Error(`${(error as Error).message}${stderr ? `: ${stderr.trim()}` : ''}`);
    }
  };

  const kill = async () => {
    const proc = child;
    child = undefined;
    if (proc === undefined || proc.exitCode !== null || proc.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill('SIGKILL');
    });
  };

  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    get pid() {
      return child?.pid;
    },
    async restart({ downMs = 0 } = {}) {
      await kill();
      if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs));
      await launch();
    },
    kill,
    async start() {
      if (child === undefined) await launch();
    },
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
