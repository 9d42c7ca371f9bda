import { describe, expect, it } from 'vitest';
import { renderFrontierChart } from '../../bench/chart.js';
import { readsPerCall } from '../../bench/report.js';
import type { BenchScenario } from '../../bench/report.js';
import { fixedResults } from './fixtures.js';
import { findAll, parseXml } from './xml.js';
import type { XmlElement } from './xml.js';

const results = fixedResults();
const svg = renderFrontierChart(results);
const root = parseXml(svg);

const byClass = (cls: string, extra: (e: XmlElement) => boolean = () => true) => findAll(root, (e) => e.attrs.class === cls && extra(e));
const num = (e: XmlElement, attr: string) => Number(e.attrs[attr]);

/** Pixel position of `value` on an axis, from two of the chart's own ticks (log scale). */
function axis(panel: string, dimension: 'x' | 'y') {
  const ticks = byClass('tick', (e) => e.attrs['data-axis'] === dimension && e.attrs['data-panel'] === panel).map((t) => {
    const grid = t.children.find((c) => c.name === 'line')!;
    return { value: num(t, 'data-value'), px: num(grid, dimension === 'x' ? 'x1' : 'y1') };
  });
  expect(ticks.length).toBeGreaterThanOrEqual(2);
  const [a, b] = [ticks[0]!, ticks[ticks.length - 1]!];
  return (value: number) => a.px + ((Math.log10(value) - Math.log10(a.value)) / (Math.log10(b.value) - Math.log10(a.value))) * (b.px - a.px);
}

/** The centre of a point's marker (circle, square or polygon). */
function centre(point: XmlElement): { x: number; y: number } {
  const m = point.children.find((c) => ['circle', 'rect', 'polygon'].includes(c.name))!;
  if (m.name === 'circle') return { x: num(m, 'cx'), y: num(m, 'cy') };
  if (m.name === 'rect') return { x: num(m, 'x') + num(m, 'width') / 2, y: num(m, 'y') + num(m, 'height') / 2 };
  const pts = m.attrs.points!.split(' ').map((p) => p.split(',').map(Number) as [number, number]);
  const xs = pts.map((p) => p[0]);
  const ys = pts.map((p) => p[1]);
  // A diamond's centre is its bounding box's; a triangle's apex is r + 1 above the centre and its base r below.
  return pts.length === 4 ? { x: (Math.min(...xs) + Math.max(...xs)) / 2, y: (Math.min(...ys) + Math.max(...ys)) / 2 } : { x: (Math.min(...xs) + Math.max(...xs)) / 2, y: Math.max(...ys) - (Math.max(...ys) - Math.min(...ys) - 1) / 2 };
}

function point(series: string, metric: string, rate: number): XmlElement {
  const found = byClass('point', (e) => e.attrs['data-series'] === series && e.attrs['data-metric'] === metric && e.attrs['data-rate'] === String(rate));
  expect(found, `${series} ${metric} at ${rate}`).toHaveLength(1);
  return found[0]!;
}

const seriesName = (r: BenchScenario) => (r.scenario === undefined ? r.poller : `scenario:${r.scenario}`);
const all = [...results.rates, ...results.frontier!];

describe('renderFrontierChart', () => {
  it('writes a well-formed SVG document with a title, both panels, units and a legend', () => {
    expect(root.name).toBe('svg');
    expect(root.attrs.xmlns).toBe('http://www.w3.org/2000/svg');
    expect(root.attrs.viewBox).toMatch(/^0 0 \d+ \d+$/);
    const texts = findAll(root, (e) => e.name === 'text').map((t) => t.text);
    expect(texts).toContain('calls a minute (log scale)');
    expect(texts.some((t) => t.includes('seconds, log scale'))).toBe(true);
    expect(texts.some((t) => t.startsWith('Listings per call'))).toBe(true);
    // The command's < and & came through escaped and read back as they were.
    expect(texts.some((t) => t.includes('--only <frontier> & more'))).toBe(true);
    expect(byClass('legend')).toHaveLength(1);
    for (const label of ['ours: short-call p95', 'naive: short-call p50', 'Frontier scenarios (ours)']) expect(texts).toContain(label);
    expect(byClass('panel').map((p) => p.attrs['data-panel'])).toEqual(['latency', 'listings']);
  });

  it('places every latency point at its p50 or p95 in seconds, on the log axes the chart draws', () => {
    const x = axis('latency', 'x');
    const y = axis('latency', 'y');
    for (const r of all) {
      for (const metric of ['p50', 'p95'] as const) {
        const p = point(seriesName(r), metric, r.callsPerMinute);
        expect(num(p, 'data-value')).toBeCloseTo(r.short[metric] / 1000, 9);
        const c = centre(p);
        expect(c.x).toBeCloseTo(x(r.callsPerMinute), 1);
        expect(c.y).toBeCloseTo(y(r.short[metric] / 1000), 1);
      }
    }
  });

  it('places every listings point at requests × 100 / calls', () => {
    const x = axis('listings', 'x');
    const y = axis('listings', 'y');
    for (const r of all) {
      const p = point(seriesName(r), 'listings', r.callsPerMinute);
      expect(num(p, 'data-value')).toBeCloseTo((r.requestsPerMinute * 100) / r.callsPerMinute, 9);
      expect(num(p, 'data-value')).toBeCloseTo(readsPerCall(r), 9);
      const c = centre(p);
      expect(c.x).toBeCloseTo(x(r.callsPerMinute), 1);
      expect(c.y).toBeCloseTo(y(readsPerCall(r)), 1);
    }
  });

  it('draws one line per poller and metric through its rates in order', () => {
    const x = axis('latency', 'x');
    const y = axis('latency', 'y');
    for (const poller of ['ours', 'naive'] as const) {
      const rows = results.rates.filter((r) => r.poller === poller).sort((a, b) => a.callsPerMinute - b.callsPerMinute);
      const group = byClass('series', (e) => e.attrs['data-series'] === poller && e.attrs['data-metric'] === 'p95')[0]!;
      const d = group.children.find((c) => c.name === 'path')!.attrs.d!;
      const vertices = [...d.matchAll(/[ML](-?[\d.]+),(-?[\d.]+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
      expect(vertices).toHaveLength(rows.length);
      vertices.forEach(([vx, vy], i) => {
        expect(vx).toBeCloseTo(x(rows[i]!.callsPerMinute), 1);
        expect(vy).toBeCloseTo(y(rows[i]!.short.p95 / 1000), 1);
      });
    }
  });

  it('crosses out the rates that were not sustained, and only those', () => {
    for (const r of all) {
      for (const metric of ['p95', 'listings']) {
        const crossed = point(seriesName(r), metric, r.callsPerMinute).children.some((c) => c.attrs.class === 'not-sustained');
        expect(crossed, `${r.key} ${metric}`).toBe(!r.sustained);
      }
    }
    expect(byClass('not-sustained', () => true).length).toBeGreaterThan(0);
  });

  it('draws the floor: one listing a call at 20,000 calls a minute', () => {
    const x = axis('listings', 'x');
    const y = axis('listings', 'y');
    const floor = byClass('reference', (e) => e.attrs['data-reference'] === 'floor')[0]!;
    const dot = floor.children.find((c) => c.name === 'circle')!;
    expect(num(dot, 'cx')).toBeCloseTo(x(20_000), 1);
    expect(num(dot, 'cy')).toBeCloseTo(y(1), 1);
    const horizontal = floor.children.find((c) => c.name === 'line' && c.attrs.y1 === c.attrs.y2)!;
    expect(num(horizontal, 'y1')).toBeCloseTo(y(1), 1);
  });

  it('draws no scenario it was not given, and an empty ladder without failing', () => {
    const bare = parseXml(renderFrontierChart({ ...results, rates: [], frontier: [results.frontier![2]!] }));
    const series = new Set(findAll(bare, (e) => e.attrs.class === 'point').map((e) => e.attrs['data-series']));
    expect([...series]).toEqual(['scenario:hints-90']);
    const texts = findAll(bare, (e) => e.name === 'text').map((t) => t.text);
    expect(texts).toContain('The rate ladder is not in these results (npm run bench measures it).');
    expect(texts).not.toContain('ours: short-call p95');
  });
});
