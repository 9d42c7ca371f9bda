// Runs the container image's entry command (the Dockerfile's ENTRYPOINT + CMD, with its ENV) as a
// process against the installed package, as `docker run` would where no container runtime is
// available: it must become ready against the simulator, write events, and exit 0 on SIGTERM.
//
// Usage (from scripts/check-package.sh): node scripts/check-container-command.mjs <scratch dir with the package installed>
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const scratch = resolve(process.argv[2] ?? '.');
const dockerfile = readFileSync(new URL('../Dockerfile', import.meta.url), 'utf8').replace(/\\\n/g, ' ');
const lastStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
const json = (directive) => {
  const m = new RegExp(`^${directive} (\\[.*\\])$`, 'm').exec(lastStage);
  if (!m) throw new Error(`the Dockerfile has no ${directive} in exec form`);
  return JSON.parse(m[1]);
};
const env = {};
for (const m of lastStage.matchAll(/^ENV (.*)$/gm)) {
  for (const pair of m[1].trim().split(/\s+/)) {
    const [k, ...v] = pair.split('=');
    env[k] = v.join('=');
  }
}
const workdir = /^WORKDIR (\S+)$/m.exec(lastStage)?.[1] ?? '/';
// The image's /app is the scratch install; its data volume a temporary directory.
const command = [...json('ENTRYPOINT'), ...json('CMD')].map((arg) => arg.replace(new RegExp(`^${workdir}/`), `${scratch}/`));
const data = mkdtempSync(join(tmpdir(), 'container-data-'));
const freePort = () =>
  new Promise((r) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => r(port));
    });
  });

const sim = createRequire(join(scratch, 'package.json'))('exotel-call-stream/simulator');
const simulator = sim.createSimulator({ seed: 3, settleDelayMs: 500, traffic: { callsPerMinute: 120, startAt: Date.now() - 5 * 60_000 } });
const { url } = await simulator.listen();
const port = await freePort();
const child = spawn(command[0] === 'node' ? process.execPath : command[0], command.slice(1), {
  cwd: scratch,
  env: {
    PATH: process.env.PATH,
    ...env,
    EXOTEL_CALLS_DATA_DIR: data,
    EXOTEL_CALLS_HOST: '127.0.0.1',
    EXOTEL_CALLS_PORT: String(port),
    EXOTEL_CALLS_WALLBOARD_PORT: '0',
    EXOTEL_ACCOUNT_SID: 'acme1',
    EXOTEL_API_KEY: 'sim-key',
    EXOTEL_API_TOKEN: 'sim-token',
    EXOTEL_BASE_URL: url,
    EXOTEL_CALLS_POLL_INTERVAL: '1s',
    EXOTEL_CALLS_NDJSON: join(data, 'calls.ndjson'),
  },
  stdio: ['ignore', 'pipe', 'inherit'],
});
let logs = '';
child.stdout.on('data', (c) => (logs += c));
const exited = new Promise((r) => child.on('exit', (code, signal) => r({ code, signal })));
try {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const status = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.status, () => 0);
    if (status === 200) break;
    if (Date.now() > deadline) throw new Error(`not ready within 30 s; logs:\n${logs}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const metrics = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text());
  if (!/^exotel_calls_events_total\{type="callCompleted"\} [1-9]/m.test(metrics)) throw new Error(`no events counted:\n${metrics.slice(0, 2000)}`);
  child.kill('SIGTERM');
  const { code, signal } = await exited;
  if (code !== 0) throw new Error(`exit ${code ?? signal} after SIGTERM; logs:\n${logs}`);
  const lines = readFileSync(join(data, 'calls.ndjson'), 'utf8').trim().split('\n').length;
  const messages = logs.trim().split('\n').map((l) => JSON.parse(l).msg);
  if (!messages.includes('serving') || messages.at(-1) !== 'stopped') throw new Error(`unexpected logs: ${messages.join(', ')}`);
  console.log(`  ${command.join(' ').replace(scratch, '<image>/app')}: ready, ${lines} events written, exit 0 on SIGTERM`);
} finally {
  child.kill('SIGKILL');
  await simulator.close();
  rmSync(data, { recursive: true, force: true });
}
