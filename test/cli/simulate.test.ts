import { describe, expect, it } from 'vitest';
import { runCli, startCli } from './helpers.js';

const auth = `Basic ${Buffer.from('sim-key:sim-token').toString('base64')}`;

async function startSimulate(args: string[]) {
  const run = startCli(['simulate', '--port', '0', '--json', ...args]);
  await run.waitFor(({ stdout }) => stdout.includes('\n'));
  const info = JSON.parse(run.stdout().split('\n')[0]!);
  return { run, info };
}

describe('simulate', () => {
  it('prints its URL and test credentials, serves calls, logs requests, and stops on SIGINT', async () => {
    const { run, info } = await startSimulate(['--calls-per-minute', '60', '--history', '30m', '--settle-delay', '1s', '--seed', '5']);
    expect(info).toEqual({ url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), accountSid: 'acme1', apiKey: 'sim-key', apiToken: 'sim-token' });

    const response = await fetch(`${info.url}/v1/Accounts/acme1/Calls.json?PageSize=5`, { headers: { authorization: auth } });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { Calls: unknown[] };
    expect(body.Calls).toHaveLength(5);
    const refused = await fetch(`${info.url}/v1/Accounts/acme1/Calls.json`, { headers: { authorization: `Basic ${Buffer.from('sim-key:nope').toString('base64')}` } });
    expect(refused.status).toBe(401);
    await refused.arrayBuffer();

    await run.waitFor(({ stderr }) => /GET \/v1\/Accounts\/acme1\/Calls\.json\?PageSize=5 -> 200 \(5 records\)/.test(stderr), 5000);
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.code).toBe(0);
  });

  it('injects faults at the given rate, and rate-limits', async () => {
    const [faulty, limited] = await Promise.all([
      startSimulate(['--fault-rate', '1', '--fault-kind', 'status', '--fault-status', '503', '--quiet', '--duration', '20s']),
      startSimulate(['--requests-per-minute', '2', '--retry-after', 'seconds', '--quiet', '--duration', '20s']),
    ]);
    const get = (u: string) => fetch(`${u}/v1/Accounts/acme1/Calls.json`, { headers: { authorization: auth } });
    const failed = await get(faulty.info.url);
    expect(failed.status).toBe(503);
    await failed.arrayBuffer();

    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 3; i++) {
      const res = await get(limited.info.url);
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers.get('retry-after');
      await res.arrayBuffer();
    }
    expect(statuses).toEqual([200, 200, 429]);
    expect(retryAfter).toMatch(/^\d+$/);
    faulty.run.child.kill('SIGINT');
    limited.run.child.kill('SIGINT');
    expect((await faulty.run.done).code).toBe(0);
    expect((await limited.run.done).code).toBe(0);
  });

  it('--sid-as-key lets a client log in with the account Sid; --strict-query refuses unknown parameters; --compress compresses', async () => {
    const { run, info } = await startSimulate(['--sid-as-key', '--strict-query', '--compress', 'gzip', '--calls-per-minute', '30', '--quiet', '--duration', '20s']);
    const sidAuth = `Basic ${Buffer.from('acme1:sim-token').toString('base64')}`;
    const ok = await fetch(`${info.url}/v1/Accounts/acme1/Calls.json?PageSize=2&RecordingUrlValidity=60`, { headers: { authorization: sidAuth } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-encoding')).toBe('gzip');
    expect(((await ok.json()) as { Calls: unknown[] }).Calls).toHaveLength(2);
    const strict = await fetch(`${info.url}/v1/Accounts/acme1/Calls.json?pagesize=2`, { headers: { authorization: sidAuth } });
    expect(strict.status).toBe(400);
    expect(await strict.text()).toContain('did you mean `PageSize`?');
    run.child.kill('SIGINT');
    expect((await run.done).code).toBe(0);
    const text = startCli(['simulate', '--port', '0', '--sid-as-key', '--quiet', '--duration', '20s']);
    await text.waitFor(({ stdout }) => stdout.includes('Ctrl-C'));
    expect(text.stdout()).toContain('api key      sim-key (or acme1)');
    expect(text.stdout()).toContain('the account Sid accepted as the API key');
    text.child.kill('SIGINT');
    expect((await text.done).code).toBe(0);
  });

  it('refuses bad flags with exit 2', async () => {
    const [kind, rate] = await Promise.all([
      runCli(['simulate', '--fault-rate', '0.5', '--fault-kind', 'gremlins']),
      runCli(['simulate', '--fault-rate', '2']),
    ]);
    expect(kind.code).toBe(2);
    expect(kind.stderr).toMatch(/`--fault-kind`.*"gremlins"/);
    expect(rate.code).toBe(2);
    expect(rate.stderr).toMatch(/`--fault-rate` to be a number from 0 to 1/);
    const compress = await runCli(['simulate', '--compress', 'zip']);
    expect(compress.code).toBe(2);
    expect(compress.stderr).toMatch(/`--compress`.*"zip"/);
  });
});
