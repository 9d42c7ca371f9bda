import { describe, expect, it } from 'vitest';
import { frontierSection, frontierTargets } from '../../bench/frontierSection.js';
import type { BenchResults, BenchScenario } from '../../bench/report.js';
import { writeBenchmarks } from '../../bench/writeBenchmarks.js';
import { fixedResults, scenario } from './fixtures.js';

/** The verdict of the target whose text starts with `start`. */
function verdict(results: BenchResults, start: string): boolean | null {
  const t = frontierTargets(results).find((x) => x.target.startsWith(start));
  if (!t) throw new Error(`no target starting with ${start}`);
  return t.met;
}

function withFrontier(name: string, change: Partial<BenchScenario>): BenchResults {
  const r = fixedResults();
  r.frontier = r.frontier!.map((s) => (s.scenario === name ? { ...s, ...change } : s));
  return r;
}

const hints = 'hints for 90 %';
const wide = '1,000 calls/min with settle delays spread';
const narrow = '1,000 calls/min with settle delays within 30 s';

describe('frontierTargets', () => {
  it('judges each target from the figures it is given', () => {
    const r = fixedResults();
    expect(verdict(r, hints)).toBe(true);
    expect(verdict(r, wide)).toBe(true);
    expect(verdict(r, narrow)).toBe(true);
    // The ladder's 5,000 was stopped behind; it has no 10,000, no 100, no CPU, no memory.
    expect(verdict(r, '5,000 calls/min')).toBe(false);
    expect(verdict(r, '10,000 calls/min measured')).toBeNull();
    expect(verdict(r, 'quiet account, 20 ')).toBe(true);
    expect(verdict(r, 'quiet account, 100 ')).toBeNull();
    expect(verdict(r, 'CPU ratio')).toBeNull();
    expect(verdict(r, 'heap flat')).toBeNull();
  });

  it('turns a verdict when the measurement crosses its target', () => {
    expect(verdict(withFrontier('hints-90', { missed: 1 }), hints)).toBe(false);
    expect(verdict(withFrontier('hints-90', { short: { count: 10, p50: 9_000, p95: 30_001, max: 40_000 } }), hints)).toBe(false);
    expect(verdict(withFrontier('settle-30s-5min', { short: { count: 10, p50: 9_000, p95: 91_000, max: 99_000 } }), wide)).toBe(false);
    // Today published 152 requests a minute at 1,000: 151.6 rounds to 152, not fewer.
    expect(verdict(withFrontier('settle-0-30s', { requestsPerMinute: 151.6 }), narrow)).toBe(false);
    expect(verdict(withFrontier('settle-0-30s', { requestsPerMinute: 151.4 }), narrow)).toBe(true);

    const r = fixedResults();
    r.rates.push(scenario({ key: 'rates/ours@10000', poller: 'ours', callsPerMinute: 10_000, requestsPerMinute: 182, sustained: false }));
    r.rates = r.rates.map((x) => (x.key === 'rates/ours@5000' ? scenario({ key: x.key, poller: 'ours', callsPerMinute: 5000, requestsPerMinute: 190, p95: 58_000 }) : x));
    r.cpu = { pages: 1, records: 100, bareRecordsPerSecond: 1, pipelineRecordsPerSecond: 1, ratio: 1.954 };
    expect(verdict(r, '10,000 calls/min measured')).toBe(true);
    expect(verdict(r, '5,000 calls/min')).toBe(true);
    expect(verdict(r, 'CPU ratio')).toBe(true);
    r.cpu = { ...r.cpu, ratio: 1.956 };
    expect(verdict(r, 'CPU ratio')).toBe(false);
    // Over the quota is not "under the exact quota".
    r.rates = r.rates.map((x) => (x.key === 'rates/ours@5000' ? { ...x, maxInAnyWindow: 201 } : x));
    expect(verdict(r, '5,000 calls/min')).toBe(false);
  });

  it('reads results from before keys by poller and rate', () => {
    const r = fixedResults();
    r.rates = r.rates.map(({ key: _key, ...rest }) => rest);
    expect(verdict(r, 'quiet account, 20 ')).toBe(true);
  });
});

describe('frontierSection', () => {
  it('writes a row per scenario with its figures, and the targets with their verdicts', () => {
    const text = frontierSection(fixedResults());
    expect(text).toMatch(/^## Frontier/);
    expect(text).toContain('| hints for 90 % of calls (10 % never sent, 5 % 3 to 5 min late) | 10,000 | 60 s to 180 s | 190 | 1.90 | 1,000 | 0 | 0 | 9.0 s / 25 s / 38 s |');
    expect(text).toContain('| 900 / 50 / 100 | yes |');
    expect(text).toContain('| settle delays 0 to 30 s | 1,000 | 0.0 s to 30 s | 140 | 14.00 |');
    expect(text).toContain('| never hinted |');
    expect(text).toContain('60 s / 120 s / 180 s (1,000)');
    expect(text).toMatch(/\| hints for 90 % of calls .*short-call p95 ≤ 30 s, nothing missed \| p95 25 s, missed 0, twice 0; calls never hinted: p95 120 s \(1,000\) \| \*\*met\*\* \|/);
    expect(text).toMatch(/\| 5,000 calls\/min sustained .* \| \*\*not met\*\* \|/);
    expect(text).toMatch(/\| 10,000 calls\/min measured .* \| not measured \| not measured \|/);
  });

  it('says which scenario was not measured', () => {
    const r = fixedResults();
    r.frontier = r.frontier!.filter((s) => s.scenario !== 'settle-0-30s');
    expect(frontierSection(r)).toContain('| settle delays 0 to 30 s | 1,000 | 0.0 s to 30 s | not measured |');
  });
});

describe('writeBenchmarks', () => {
  it('puts the chart next to the table, and says when the ladder is not in the results', () => {
    const r = fixedResults();
    const md = writeBenchmarks(r, 'docs/bench-frontier.svg');
    expect(md).toMatch(/## Results by call rate\n\n!\[[^\]]+\]\(docs\/bench-frontier\.svg\)\n\n\| calls\/min \| poller/);
    expect(md).toContain('## Frontier');
    const bare = writeBenchmarks({ ...r, rates: [] }, 'docs/bench-frontier.svg');
    expect(bare).toContain('The rate ladder is not in these results');
    expect(bare).toContain('| sustainable rate ≥ 2,000 calls/min with defaults | not measured');
    expect(bare).toContain('| short calls p95 ≤ 2 polls (30 s) | not measured |');
  });
});
