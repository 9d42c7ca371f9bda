import { FRONTIER } from './frontier.js';
import { FLOOR, PAGE_SIZE, QUOTA_PER_MINUTE, readsPerCall } from './report.js';
import type { BenchResults, BenchScenario } from './report.js';

/**
 * The sustainable-rate frontier as an SVG, written by hand (no dependency): calls a minute on a
 * log x axis; above, short calls' p50 and p95 from settled to emitted (log seconds), one line per
 * poller of the rate ladder; below, listings per call (requests × 100 / calls, log), with the
 * quota's ceiling (200 × 100 / rate) and the floor (one listing a call, 20,000 a minute). Each
 * frontier scenario is a marker of its own; a rate not sustained wears a cross.
 *
 * Every point is a `<g class="point">` carrying what it shows (`data-series`, `data-metric`,
 * `data-rate`, `data-value`), every tick a `<g class="tick">` with its `data-value`, so that the
 * chart can be checked against the numbers (test/bench/chart.test.ts).
 */
export function renderFrontierChart(results: Pick<BenchResults, 'rates' | 'frontier' | 'date' | 'command'>): string {
  const ladder = results.rates.filter((r) => r.poller === 'ours' || r.poller === 'naive');
  const frontier = (results.frontier ?? []).filter((r) => r.scenario !== undefined);
  const all = [...ladder, ...frontier];

  const rates = all.map((r) => r.callsPerMinute);
  const x = logScale([decadeBelow(Math.min(...rates, 20)), Math.max(...rates, FLOOR) * 1.25], [PLOT.left, PLOT.right]);

  const seconds = all.flatMap((r) => [r.short.p50, r.short.p95].map((ms) => ms / 1000)).filter((v) => Number.isFinite(v) && v > 0);
  const latencyDomain: [number, number] = [decadeBelow(Math.min(...seconds, 10)), decadeAbove(Math.max(...seconds, 60))];
  const yLatency = logScale([latencyDomain[1], latencyDomain[0]], [LATENCY.top, LATENCY.bottom]);

  const listings = all.map(readsPerCall).filter((v) => Number.isFinite(v) && v > 0);
  const lowest = Math.min(...listings, 1);
  const listingsDomain: [number, number] = [lowest < 1 ? decadeBelow(lowest) : 0.5, decadeAbove(Math.max(...listings, (QUOTA_PER_MINUTE * PAGE_SIZE) / x.domain[0]))];
  const yListings = logScale([listingsDomain[1], listingsDomain[0]], [LISTINGS.top, LISTINGS.bottom]);

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif" font-size="12" fill="#222">`,
    `<title>The sustainable-rate frontier: latency and listings per call against calls a minute, ours and the naive poller</title>`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#fff"/>`,
    text(PLOT.left, 26, 'The sustainable-rate frontier, under Exotel’s 200 requests a minute', { size: 16, weight: 'bold' }),
    text(PLOT.left, 44, `${results.command} · ${results.date.slice(0, 10)} · simulated clock, seed 1`, { size: 11, fill: '#666' }),
  );

  // --- the latency panel ----------------------------------------------------------------------
  out.push(panel('latency', LATENCY, 'Short calls: settled → emitted, p95 and p50 (seconds, log scale)', x, yLatency, (v) => `${fmt(v)} s`));
  for (const [at, label] of [
    [60, '60 s: sustained (p95 under it)'],
    [30, '30 s'],
  ] as const) {
    if (at < latencyDomain[0] || at > latencyDomain[1]) continue;
    out.push(`<g class="reference" data-value="${at}">`, line(PLOT.left, yLatency(at), PLOT.right, yLatency(at), { stroke: '#999', dash: '6 4' }), text(PLOT.left + 6, yLatency(at) - 4, label, { size: 11, fill: '#666' }), '</g>');
  }

  // --- the listings panel ---------------------------------------------------------------------
  out.push(panel('listings', LISTINGS, 'Listings per call: requests × 100 / calls (log scale)', x, yListings, (v) => fmt(v)));
  // The quota's ceiling: 200 requests of 100 records, shared by the calls of a minute.
  const ceiling = (rate: number) => (QUOTA_PER_MINUTE * PAGE_SIZE) / rate;
  const c0 = Math.max(x.domain[0], (QUOTA_PER_MINUTE * PAGE_SIZE) / listingsDomain[1]);
  const c1 = Math.min(x.domain[1], (QUOTA_PER_MINUTE * PAGE_SIZE) / listingsDomain[0]);
  out.push(
    '<g class="reference" data-reference="quota">',
    line(x(c0), yListings(ceiling(c0)), x(c1), yListings(ceiling(c1)), { stroke: '#bbb', width: 6, opacity: 0.6 }),
    text(x(Math.max(25, c0)), yListings(ceiling(Math.max(25, c0))) - 10, 'the quota: 200 requests × 100 / rate', { size: 11, fill: '#777', rotate: angle(x, yListings, ceiling) }),
    '</g>',
    `<g class="reference" data-reference="floor" data-rate="${FLOOR}" data-value="1">`,
    line(PLOT.left, yListings(1), PLOT.right, yListings(1), { stroke: '#444', dash: '2 3' }),
    line(x(FLOOR), LISTINGS.top, x(FLOOR), LISTINGS.bottom, { stroke: '#444', dash: '2 3' }),
    `<circle cx="${num(x(FLOOR))}" cy="${num(yListings(1))}" r="5" fill="#444"/>`,
    text(PLOT.left + 6, yListings(1) + 14, 'the floor: 1 listing a call, so at most 20,000 calls/min under the quota', { size: 11, fill: '#444' }),
    '</g>',
  );

  // --- the data -------------------------------------------------------------------------------
  for (const poller of ['naive', 'ours'] as const) {
    const rows = ladder.filter((r) => r.poller === poller).sort((a, b) => a.callsPerMinute - b.callsPerMinute);
    const color = COLORS[poller];
    for (const metric of ['p50', 'p95'] as const) {
      const pts = rows.map((r) => ({ r, v: r.short.count > 0 ? r.short[metric] / 1000 : Number.NaN }));
      out.push(series(`${poller}`, metric, pts, x, yLatency, latencyDomain, { color, dash: metric === 'p50' ? '5 4' : undefined, shape: 'circle', hollow: false, radius: metric === 'p95' ? 4 : 3 }, (v) => `${fmt(v)} s`));
    }
    out.push(series(poller, 'listings', rows.map((r) => ({ r, v: readsPerCall(r) })), x, yListings, listingsDomain, { color, shape: 'circle', hollow: false, radius: 4 }, (v) => `${fmt(v)} listings a call`));
  }
  for (const r of frontier) {
    const style = SCENARIO_STYLE[r.scenario!] ?? { color: '#555', shape: 'diamond' as const };
    const name = `scenario:${r.scenario!}`;
    for (const metric of ['p50', 'p95'] as const) {
      out.push(series(name, metric, [{ r, v: r.short.count > 0 ? r.short[metric] / 1000 : Number.NaN }], x, yLatency, latencyDomain, { color: style.color, shape: style.shape, hollow: metric === 'p50', radius: 5 }, (v) => `${fmt(v)} s`));
    }
    out.push(series(name, 'listings', [{ r, v: readsPerCall(r) }], x, yListings, listingsDomain, { color: style.color, shape: style.shape, hollow: false, radius: 5 }, (v) => `${fmt(v)} listings a call`));
  }

  if (ladder.length === 0) out.push(text((PLOT.left + PLOT.right) / 2, LATENCY.top + 24, 'The rate ladder is not in these results (npm run bench measures it).', { anchor: 'middle', size: 12, fill: '#666' }));
  out.push(text((PLOT.left + PLOT.right) / 2, HEIGHT - 18, 'calls a minute (log scale)', { anchor: 'middle', size: 12, weight: 'bold' }));
  out.push(legend(ladder.length > 0, frontier));
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

// --- layout ---------------------------------------------------------------------------------------

const WIDTH = 980;
const HEIGHT = 780;
const PLOT = { left: 80, right: 690 };
const LATENCY = { top: 86, bottom: 400 };
const LISTINGS = { top: 480, bottom: 710 };
const LEGEND_X = 712;

const COLORS = { ours: '#1f6fb4', naive: '#d9661f' } as const;

type Shape = 'circle' | 'diamond' | 'square' | 'triangle';
const SCENARIO_STYLE: Record<string, { color: string; shape: Shape }> = {
  'settle-30s-5min': { color: '#7b3fa0', shape: 'diamond' },
  'settle-0-30s': { color: '#2e9a5e', shape: 'square' },
  'hints-90': { color: '#c22d52', shape: 'triangle' },
};

// --- scales ---------------------------------------------------------------------------------------

interface Scale {
  (value: number): number;
  domain: [number, number];
}

/** A log scale from `domain` (either order) to `range` (pixels). */
function logScale(domain: [number, number], range: [number, number]): Scale {
  const [d0, d1] = [Math.log10(domain[0]), Math.log10(domain[1])];
  const scale = ((v: number) => range[0] + ((Math.log10(v) - d0) / (d1 - d0)) * (range[1] - range[0])) as Scale;
  scale.domain = [Math.min(domain[0], domain[1]), Math.max(domain[0], domain[1])];
  return scale;
}

const decadeBelow = (v: number) => 10 ** Math.floor(Math.log10(v));
const decadeAbove = (v: number) => 10 ** Math.ceil(Math.log10(v));

/** 1-2-5 ticks inside a domain. */
function ticks125(domain: [number, number]): number[] {
  const out: number[] = [];
  for (let d = decadeBelow(domain[0]); d <= domain[1]; d *= 10) for (const m of [1, 2, 5]) if (m * d >= domain[0] * 0.999 && m * d <= domain[1] * 1.001) out.push(m * d);
  return out;
}

/** Decade ticks inside a domain. */
function decades(domain: [number, number]): number[] {
  const out: number[] = [];
  for (let d = decadeBelow(domain[0]); d <= domain[1] * 1.001; d *= 10) if (d >= domain[0] * 0.999) out.push(d);
  return out;
}

// --- pieces ---------------------------------------------------------------------------------------

/** A panel: frame, grid, ticks on both axes and its title. */
function panel(name: string, box: { top: number; bottom: number }, title: string, x: Scale, y: Scale, yLabel: (v: number) => string): string {
  const parts: string[] = [`<g class="panel" data-panel="${name}">`];
  parts.push(text(PLOT.left, box.top - 12, title, { size: 13, weight: 'bold' }));
  parts.push(`<rect x="${PLOT.left}" y="${box.top}" width="${PLOT.right - PLOT.left}" height="${box.bottom - box.top}" fill="#fafafa" stroke="#ccc"/>`);
  for (const v of ticks125(x.domain)) {
    const px = num(x(v));
    parts.push(`<g class="tick" data-axis="x" data-panel="${name}" data-value="${v}">`, line(x(v), box.top, x(v), box.bottom, { stroke: '#e4e4e4' }), line(x(v), box.bottom, x(v), box.bottom + 5, { stroke: '#666' }), text(Number(px), box.bottom + 18, fmt(v), { anchor: 'middle', size: 11 }), '</g>');
  }
  for (const v of decades(y.domain)) {
    parts.push(`<g class="tick" data-axis="y" data-panel="${name}" data-value="${v}">`, line(PLOT.left, y(v), PLOT.right, y(v), { stroke: '#e4e4e4' }), line(PLOT.left - 5, y(v), PLOT.left, y(v), { stroke: '#666' }), text(PLOT.left - 8, y(v) + 4, yLabel(v), { anchor: 'end', size: 11 }), '</g>');
  }
  parts.push('</g>');
  return parts.join('\n');
}

interface SeriesStyle {
  color: string;
  dash?: string | undefined;
  shape: Shape;
  hollow: boolean;
  radius: number;
}

/** A line through the points that have a value, a marker at each, a cross on those not sustained. */
function series(name: string, metric: string, points: Array<{ r: BenchScenario; v: number }>, x: Scale, y: Scale, domain: [number, number], style: SeriesStyle, describe: (v: number) => string): string {
  const parts: string[] = [`<g class="series" data-series="${escape(name)}" data-metric="${metric}">`];
  const shown = points.filter((p) => Number.isFinite(p.v));
  // Outside the panel (a latency under its floor): drawn at the edge, its title says so.
  const clampY = (v: number) => y(Math.min(domain[1], Math.max(domain[0], v)));
  if (shown.length > 1) {
    const d = shown.map((p, i) => `${i === 0 ? 'M' : 'L'}${num(x(p.r.callsPerMinute))},${num(clampY(p.v))}`).join(' ');
    parts.push(`<path d="${d}" fill="none" stroke="${style.color}" stroke-width="2"${style.dash ? ` stroke-dasharray="${style.dash}"` : ''}/>`);
  }
  for (const p of shown) {
    const cx = x(p.r.callsPerMinute);
    const cy = clampY(p.v);
    const status = p.r.sustained ? 'sustained' : p.r.stoppedEarly ? `not sustained (stopped behind at ${Math.round(p.r.minutes)} min)` : 'not sustained';
    const who = p.r.scenario === undefined ? p.r.poller : `ours, ${FRONTIER.find((f) => f.name === p.r.scenario)?.label ?? p.r.scenario}`;
    parts.push(
      `<g class="point" data-series="${escape(name)}" data-metric="${metric}" data-rate="${p.r.callsPerMinute}" data-value="${p.v}" data-sustained="${p.r.sustained}" data-cx="${num(cx)}" data-cy="${num(cy)}">`,
      `<title>${escape(`${who} at ${fmt(p.r.callsPerMinute)} calls/min: ${metric === 'listings' ? describe(p.v) : `short-call ${metric} ${describe(p.v)}`}; ${status}${p.v < domain[0] || p.v > domain[1] ? ' (outside the axis)' : ''}`)}</title>`,
      marker(style.shape, cx, cy, style.radius, style.color, style.hollow),
    );
    if (!p.r.sustained && metric !== 'p50') parts.push(cross(cx, cy, style.radius + 4));
    parts.push('</g>');
  }
  parts.push('</g>');
  return parts.join('\n');
}

function marker(shape: Shape, cx: number, cy: number, r: number, color: string, hollow: boolean): string {
  const paint = hollow ? `fill="#fff" stroke="${color}" stroke-width="2"` : `fill="${color}" stroke="#fff" stroke-width="1"`;
  if (shape === 'circle') return `<circle cx="${num(cx)}" cy="${num(cy)}" r="${r}" ${paint}/>`;
  if (shape === 'square') return `<rect x="${num(cx - r)}" y="${num(cy - r)}" width="${2 * r}" height="${2 * r}" ${paint}/>`;
  const pts = shape === 'diamond' ? [[cx, cy - r - 1], [cx + r + 1, cy], [cx, cy + r + 1], [cx - r - 1, cy]] : [[cx, cy - r - 1], [cx + r + 1, cy + r], [cx - r - 1, cy + r]];
  return `<polygon points="${pts.map(([a, b]) => `${num(a!)},${num(b!)}`).join(' ')}" ${paint}/>`;
}

function cross(cx: number, cy: number, r: number): string {
  return `<path class="not-sustained" d="M${num(cx - r)},${num(cy - r)} L${num(cx + r)},${num(cy + r)} M${num(cx - r)},${num(cy + r)} L${num(cx + r)},${num(cy - r)}" stroke="#b00020" stroke-width="2" fill="none"/>`;
}

function legend(withLadder: boolean, frontier: BenchScenario[]): string {
  const parts: string[] = ['<g class="legend">'];
  let y = LATENCY.top + 4;
  const row = (draw: string, label: string) => {
    const lines = wrap(label, 34);
    parts.push(draw, ...lines.map((l, i) => text(LEGEND_X + 34, y + 4 + i * 14, l, { size: 12 })));
    y += 14 * lines.length + 8;
  };
  if (withLadder) {
    parts.push(text(LEGEND_X, y, 'Rate ladder (default settle delays)', { size: 12, weight: 'bold' }));
    y += 20;
    for (const poller of ['ours', 'naive'] as const) {
      const c = COLORS[poller];
      row(`${line(LEGEND_X, y, LEGEND_X + 26, y, { stroke: c, width: 2 })}${marker('circle', LEGEND_X + 13, y, 4, c, false)}`, `${poller}: short-call p95`);
      row(`${line(LEGEND_X, y, LEGEND_X + 26, y, { stroke: c, width: 2, dash: '5 4' })}${marker('circle', LEGEND_X + 13, y, 3, c, false)}`, `${poller}: short-call p50`);
    }
  }
  row(`${marker('circle', LEGEND_X + 13, y, 4, '#777', false)}${cross(LEGEND_X + 13, y, 8)}`, 'not sustained: missed, repeated, p95 of 60 s or more, or stopped behind');
  const shown = FRONTIER.filter((f) => frontier.some((r) => r.scenario === f.name));
  if (shown.length > 0) {
    y += 6;
    parts.push(text(LEGEND_X, y, 'Frontier scenarios (ours)', { size: 12, weight: 'bold' }));
    y += 20;
    for (const f of shown) {
      const style = SCENARIO_STYLE[f.name] ?? { color: '#555', shape: 'diamond' as const };
      row(`${marker(style.shape, LEGEND_X + 8, y, 5, style.color, false)}${marker(style.shape, LEGEND_X + 24, y, 5, style.color, true)}`, `${fmt(f.callsPerMinute)}/min, ${f.label}`);
    }
    row('', 'filled: p95 (and listings), hollow: p50');
  }
  parts.push('</g>');
  return parts.join('\n');
}

/** The slope of `f` on the chart, in degrees, for a label along a line. */
function angle(x: Scale, y: Scale, f: (v: number) => number): number {
  const a = 100;
  const b = 1000;
  return (Math.atan2(y(f(b)) - y(f(a)), x(b) - x(a)) * 180) / Math.PI;
}

function line(x1: number, y1: number, x2: number, y2: number, o: { stroke: string; width?: number; dash?: string; opacity?: number }): string {
  return `<line x1="${num(x1)}" y1="${num(y1)}" x2="${num(x2)}" y2="${num(y2)}" stroke="${o.stroke}" stroke-width="${o.width ?? 1}"${o.dash ? ` stroke-dasharray="${o.dash}"` : ''}${o.opacity === undefined ? '' : ` stroke-opacity="${o.opacity}"`}/>`;
}

function text(x: number, y: number, content: string, o: { size?: number; weight?: string; anchor?: 'start' | 'middle' | 'end'; fill?: string; rotate?: number } = {}): string {
  const attrs = [`x="${num(x)}"`, `y="${num(y)}"`];
  if (o.size !== undefined) attrs.push(`font-size="${o.size}"`);
  if (o.weight !== undefined) attrs.push(`font-weight="${o.weight}"`);
  if (o.anchor !== undefined && o.anchor !== 'start') attrs.push(`text-anchor="${o.anchor}"`);
  if (o.fill !== undefined) attrs.push(`fill="${o.fill}"`);
  if (o.rotate !== undefined) attrs.push(`transform="rotate(${num(o.rotate)} ${num(x)} ${num(y)})"`);
  return `<text ${attrs.join(' ')}>${escape(content)}</text>`;
}

function wrap(label: string, width: number): string[] {
  const lines: string[] = [];
  let current = '';
  for (const word of label.split(' ')) {
    if (current !== '' && current.length + 1 + word.length > width) {
      lines.push(current);
      current = word;
    } else current = current === '' ? word : `${current} ${word}`;
  }
  if (current !== '') lines.push(current);
  return lines;
}

/** A pixel position: two decimals are plenty. */
const num = (v: number) => String(Math.round(v * 100) / 100);

/** 20, 1,000, 0.5, 2.2, 57. */
function fmt(v: number): string {
  if (v >= 100) return Math.round(v).toLocaleString('en-US');
  if (v >= 10) return v.toFixed(0);
  return String(Math.round(v * 10) / 10);
}

function escape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}
