/**
 * The wallboard page's script (bundled to one ES2017 IIFE, see ../browserScript.ts). It renders
 * what the server computes (`stats`, typed by ../types.ts) and applies call events to its list of
 * latest calls, newest end time first. It tracks the sequence numbers it received, so that a lost
 * or repeated event is visible (`window.wallboard`), not silently papered over.
 */
import type {
  BoardCall,
  BoardEvent,
  FeedStatus,
  GroupTotals,
  HourBar,
  LineTotals,
  MinuteBar,
  PeriodTotals,
  WallboardSnapshot,
  WallboardStats,
  WallboardStatsMessage,
  WallboardTheme,
} from '../types.js';

type Config = WallboardSnapshot['config'];

interface LatestRow {
  call: BoardCall;
  /** Arrived since the last render: highlighted once. */
  fresh: boolean;
  /** Changed after it was first shown. */
  updated: boolean;
}

/** What the page knows, exposed as `window.wallboard` for tests and for a look from the console. */
export interface BoardState {
  config: Config;
  stats: WallboardStats | null;
  feed: FeedStatus | null;
  latest: LatestRow[];
  lastSeq: number;
  lastId: string | null;
  receivedSeqs: number[];
  duplicates: number;
  gaps: number;
  snapshots: number;
  reconnects: number;
  opens: number;
  connected: boolean;
  lastMessageAt: number;
  openedAt: number;
}

declare global {
  interface Window {
    wallboard: BoardState;
  }
}

const state: BoardState = {
  config: { title: 'Calls', currency: 'INR', heartbeatMs: 15000, locale: 'en-IN', retryMs: 2000, theme: 'dark', latestCount: 12 },
  stats: null,
  feed: null,
  latest: [],
  lastSeq: 0,
  lastId: null,
  receivedSeqs: [],
  duplicates: 0,
  gaps: 0,
  snapshots: 0,
  reconnects: 0,
  opens: 0,
  connected: false,
  lastMessageAt: Date.now(),
  openedAt: Date.now(),
};
window.wallboard = state;

let source: EventSource | null = null;
let reopenTimer: ReturnType<typeof setTimeout> | null = null;
let formats: Record<string, Intl.NumberFormat | Intl.DateTimeFormat> = {};

// --- formatting ---------------------------------------------------------------------------------
function $(id: string): HTMLElement | null {
  return document.getElementById(id);
}
function format<T extends Intl.NumberFormat | Intl.DateTimeFormat>(key: string, make: () => T): T {
  if (!formats[key]) formats[key] = make();
  return formats[key] as T;
}
const zone = () => (state.stats ? state.stats.timeZone : undefined);
const int = (n: number) => format('int', () => new Intl.NumberFormat(state.config.locale)).format(n);
const money = (n: number) =>
  format('money', () => new Intl.NumberFormat(state.config.locale, { style: 'currency', currency: state.config.currency, minimumFractionDigits: 2, maximumFractionDigits: 2 })).format(n);
const percent = (ratio: number | null) => (ratio === null ? '–' : format('pct', () => new Intl.NumberFormat(state.config.locale, { style: 'percent', maximumFractionDigits: 0 })).format(ratio));
function clock(ms: number, seconds: boolean): string {
  return format(`clock${seconds ? 's' : ''}${zone() ?? ''}`, () => {
    const options: Intl.DateTimeFormatOptions = { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: zone() };
    if (seconds) options.second = '2-digit';
    return new Intl.DateTimeFormat(state.config.locale, options);
  }).format(new Date(ms));
}
function mmss(seconds: number | null): string {
  if (seconds === null) return '–';
  const s = Math.round(seconds);
  const r = s % 60;
  return `${Math.floor(s / 60)}:${r < 10 ? '0' : ''}${r}`;
}
function text(id: string, value: string): void {
  const el = $(id);
  if (el && el.textContent !== value) el.textContent = value;
}
/** Big tile numbers: a long amount shrinks instead of spilling out of its tile. */
function big(id: string, value: string): void {
  text(id, value);
  $(id)?.classList.toggle('long', value.length > 6);
}
function element<K extends keyof HTMLElementTagNameMap>(name: K, className?: string, content?: string): HTMLElementTagNameMap[K] {
  const el = document.createElement(name);
  if (className) el.className = className;
  if (content !== undefined) el.textContent = content;
  return el;
}
const SVG = 'http://www.w3.org/2000/svg';
function svgNode(name: string, attrs: Record<string, string | number>, content?: string): SVGElement {
  const el = document.createElementNS(SVG, name);
  for (const k of Object.keys(attrs)) el.setAttribute(k, String(attrs[k]));
  if (content !== undefined) el.textContent = content;
  return el;
}
const DIRECTION_LABEL: Record<string, string> = { inbound: 'Inbound', 'outbound-dial': 'Out (dial)', 'outbound-api': 'Out (API)', unknown: 'Unknown' };
const DIRECTION_ARROW: Record<string, string> = { inbound: '↓', 'outbound-dial': '↑', 'outbound-api': '↑' };

// --- theme ----------------------------------------------------------------------------------------
function applyTheme(): void {
  const asked = new URLSearchParams(location.search).get('theme');
  const theme: WallboardTheme = asked === 'dark' || asked === 'light' || asked === 'auto' ? asked : state.config.theme;
  const resolved = theme === 'auto' ? (window.matchMedia && window.matchMedia('(prefers-color-scheme: light)').matches ? 'light' : 'dark') : theme;
  document.documentElement.setAttribute('data-theme', resolved);
}

// --- rendering ----------------------------------------------------------------------------------
function renderStatus(): void {
  let s: string;
  let label: string;
  const feed = state.feed;
  if (!state.connected) {
    s = state.opens > 1 || state.reconnects > 0 ? 'reconnecting' : 'connecting';
    label = s === 'reconnecting' ? 'Reconnecting…' : 'Connecting…';
  } else if (feed && feed.state === 'down') [s, label] = ['down', 'Feed down'];
  else if (feed && feed.state === 'stopped') [s, label] = ['stopped', 'Feed stopped'];
  else if (feed && feed.state === 'retrying') [s, label] = ['retrying', 'Feed retrying'];
  // Not "live" while history is still being filled in: the numbers below are not complete yet.
  else if (feed && feed.catchingUp) [s, label] = ['catching-up', 'Catching up'];
  else [s, label] = ['live', 'Live'];
  const el = $('status');
  if (el) {
    el.className = `status status-${s}`;
    el.setAttribute('data-state', s);
  }
  text('status-text', label);
  const e = feed && feed.lastError;
  text('feed-detail', e ? `last error ${e.code}${e.status ? ` (${e.status})` : ''} at ${clock(e.at, true)}` : '');
}

function renderTotals(prefix: 'today' | 'm15', t: PeriodTotals): void {
  const set = prefix === 'today' ? big : text;
  set(`${prefix}-completed`, int(t.completed));
  set(`${prefix}-failed`, int(t.failed));
  set(`${prefix}-answer-rate`, percent(t.answerRate));
  set(`${prefix}-talk`, mmss(t.averageTalkSeconds));
  set(`${prefix}-spend`, money(t.spend));
  text(`${prefix}-busy`, int(t.byStatus.busy));
  text(`${prefix}-no-answer`, int(t.byStatus['no-answer']));
  text(`${prefix}-failed-status`, int(t.byStatus.failed));
  text(`${prefix}-canceled`, int(t.byStatus.canceled));
}

/** A table body of groups: name, total, answered share as a bar, failed. */
function renderGroups(bodyId: string, rows: Array<{ key: string; label: string; totals: GroupTotals }>, attr: string): void {
  const body = $(bodyId);
  if (!body) return;
  body.textContent = '';
  const max = rows.reduce((m, r) => Math.max(m, r.totals.total), 0);
  for (const row of rows) {
    const tr = element('tr');
    tr.setAttribute(attr, row.key);
    tr.setAttribute('data-total', String(row.totals.total));
    tr.setAttribute('data-completed', String(row.totals.completed));
    tr.setAttribute('data-failed', String(row.totals.failed));
    tr.appendChild(element('td', 'name', row.label));
    const barCell = element('td', 'bar-cell');
    const bar = element('span', 'hbar');
    bar.style.width = `${max === 0 ? 0 : (100 * row.totals.total) / max}%`;
    const ok = element('span', 'hbar-ok');
    ok.style.width = `${row.totals.total === 0 ? 0 : (100 * row.totals.completed) / row.totals.total}%`;
    bar.appendChild(ok);
    barCell.appendChild(bar);
    tr.appendChild(barCell);
    tr.appendChild(element('td', 'num total', int(row.totals.total)));
    tr.appendChild(element('td', 'num rate', percent(row.totals.total === 0 ? null : row.totals.completed / row.totals.total)));
    body.appendChild(tr);
  }
  if (rows.length === 0) {
    const tr = element('tr', 'empty');
    const td = element('td', undefined, 'no calls yet');
    td.colSpan = 4;
    tr.appendChild(td);
    body.appendChild(tr);
  }
}

function renderLines(lines: LineTotals[]): void {
  renderGroups('lines', lines.map((l) => ({ key: l.line, label: l.line, totals: l })), 'data-line');
}

function renderDirections(byDirection: Record<string, GroupTotals>): void {
  const rows = Object.keys(byDirection).map((d) => ({ key: d, label: DIRECTION_LABEL[d] ?? d, totals: byDirection[d]! }));
  rows.sort((a, b) => b.totals.total - a.totals.total);
  renderGroups('directions', rows, 'data-direction');
}

function renderChart(bars: MinuteBar[]): void {
  const W = 960;
  const H = 240;
  const L = 34;
  const B = 22;
  const T = 8;
  const R = 6;
  const max = bars.reduce((m, b) => Math.max(m, b.completed + b.failed), 0);
  const top = Math.max(4, Math.ceil(max / 4) * 4);
  const svg = svgNode('svg', { viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: 'none', role: 'img', 'aria-label': 'calls a minute over the last hour' });
  for (let g = 0; g <= 4; g++) {
    const y = T + (H - T - B) * (1 - g / 4);
    svg.appendChild(svgNode('line', { x1: L, x2: W - R, y1: y, y2: y, class: 'grid' }));
    svg.appendChild(svgNode('text', { x: L - 6, y: y + 4, 'text-anchor': 'end', class: 'axis' }, String((top * g) / 4)));
  }
  const slot = (W - L - R) / bars.length;
  bars.forEach((b, j) => {
    const x = L + j * slot + 1;
    const hOk = ((H - T - B) * b.completed) / top;
    const hBad = ((H - T - B) * b.failed) / top;
    const base = H - B;
    svg.appendChild(
      svgNode('rect', { x, y: base - hOk, width: Math.max(1, slot - 2), height: hOk, class: 'bar-ok', 'data-minute': b.start, 'data-completed': b.completed, 'data-failed': b.failed }),
    );
    if (hBad > 0) svg.appendChild(svgNode('rect', { x, y: base - hOk - hBad, width: Math.max(1, slot - 2), height: hBad, class: 'bar-bad' }));
    if (j % 15 === 0 || j === bars.length - 1) {
      const last = j === bars.length - 1;
      svg.appendChild(svgNode('text', { x: last ? W - R : x + slot / 2, y: H - 6, 'text-anchor': last ? 'end' : 'middle', class: 'axis' }, clock(b.start, false)));
    }
  });
  const holder = $('chart');
  if (holder) {
    holder.textContent = '';
    holder.appendChild(svg);
  }
}

/** Today by hour of the day; the three busiest hours are marked and named. */
function renderHours(hours: HourBar[]): void {
  const W = 480;
  const H = 240;
  const B = 22;
  const T = 8;
  const totals = hours.map((h) => h.completed + h.failed);
  const top = Math.max(1, ...totals);
  const busiest = hours
    .filter((h) => h.completed + h.failed > 0)
    .sort((a, b) => b.completed + b.failed - (a.completed + a.failed) || a.hour - b.hour)
    .slice(0, 3)
    .map((h) => h.hour);
  const svg = svgNode('svg', { viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: 'none', role: 'img', 'aria-label': 'calls by hour of the day' });
  const slot = W / 24;
  hours.forEach((h, i) => {
    const total = totals[i]!;
    const height = ((H - T - B) * total) / top;
    svg.appendChild(
      svgNode('rect', {
        x: i * slot + 1,
        y: H - B - height,
        width: slot - 2,
        height,
        class: busiest.indexOf(h.hour) >= 0 ? 'hour-bar busiest' : 'hour-bar',
        'data-hour': h.hour,
        'data-total': total,
      }),
    );
    if (h.hour % 6 === 0) svg.appendChild(svgNode('text', { x: i * slot + 2, y: H - 6, 'text-anchor': 'start', class: 'axis' }, `${h.hour < 10 ? '0' : ''}${h.hour}h`));
  });
  const holder = $('hours');
  if (holder) {
    holder.textContent = '';
    holder.appendChild(svg);
  }
  const label = (hour: number) => `${hour < 10 ? '0' : ''}${hour}:00`;
  text('busiest', busiest.length === 0 ? 'no calls yet today' : `busiest ${busiest.map(label).join(', ')}`);
  if (holder) holder.title = busiest.map((h) => `${label(h)}: ${int(totals[h]!)} calls`).join('\n');
}

/** Newest end time first, then Sid: the same order as the server's `latest`. */
function byEnd(a: LatestRow, b: LatestRow): number {
  return b.call.at - a.call.at || (a.call.sid < b.call.sid ? -1 : a.call.sid > b.call.sid ? 1 : 0);
}

function renderLatest(): void {
  const body = $('latest');
  if (!body) return;
  body.textContent = '';
  for (const row of state.latest.slice(0, state.config.latestCount)) {
    const c = row.call;
    const tr = element('tr', row.fresh ? 'fresh' : undefined);
    row.fresh = false;
    tr.setAttribute('data-sid', c.sid);
    tr.setAttribute('data-at', String(c.at));
    tr.title = c.exophone ? `line ${c.exophone}` : '';
    tr.appendChild(element('td', 'time', clock(c.at, true)));
    const statusCell = element('td');
    statusCell.appendChild(element('span', `pill pill-${c.status}`, c.status));
    if (row.updated) {
      const mark = statusCell.appendChild(element('span', 'updated', '✎'));
      mark.title = 'corrected after it was first shown';
    }
    tr.appendChild(statusCell);
    tr.appendChild(element('td', 'dir', DIRECTION_ARROW[c.direction ?? ''] ?? '·'));
    tr.appendChild(element('td', 'customer', c.customer ?? '–'));
    tr.appendChild(element('td', 'num', c.status === 'completed' ? mmss(c.talkSeconds) : '–'));
    body.appendChild(tr);
  }
}

function renderFooter(): void {
  text('events', `${int(state.receivedSeqs.length)} events since this page opened${state.snapshots > 1 ? ` · ${state.snapshots} snapshots` : ''}`);
  const last = state.feed && state.feed.lastEventAt;
  text('last-event', last ? `last call event at ${clock(last, true)}` : 'no call event yet');
}

function renderAll(): void {
  text('title', state.config.title);
  document.title = `${state.config.title} · wallboard`;
  if (state.stats) {
    renderTotals('today', state.stats.today);
    renderTotals('m15', state.stats.last15Minutes);
    renderChart(state.stats.perMinute);
    renderHours(state.stats.byHour);
    renderLines(state.stats.today.byLine);
    renderDirections(state.stats.today.byDirection);
    text('day', state.stats.day);
  }
  renderLatest();
  renderStatus();
  renderFooter();
}

// --- the feed -----------------------------------------------------------------------------------
function touch(): void {
  state.lastMessageAt = Date.now();
}

function onSnapshot(e: MessageEvent<string>): void {
  touch();
  const snap = JSON.parse(e.data) as WallboardSnapshot;
  state.snapshots += 1;
  state.config = snap.config;
  formats = {};
  applyTheme();
  state.stats = snap.stats;
  state.feed = snap.feed;
  state.lastSeq = snap.seq;
  state.lastId = e.lastEventId || state.lastId;
  state.latest = snap.stats.latest.map((call) => ({ call, fresh: false, updated: false }));
  renderAll();
}

function onCall(e: MessageEvent<string>): void {
  touch();
  const ev = JSON.parse(e.data) as BoardEvent;
  state.lastId = e.lastEventId || state.lastId;
  if (ev.seq <= state.lastSeq) {
    state.duplicates += 1;
    return;
  }
  if (ev.seq !== state.lastSeq + 1) state.gaps += 1;
  state.lastSeq = ev.seq;
  state.receivedSeqs.push(ev.seq);
  let at = -1;
  for (let i = 0; i < state.latest.length; i++) {
    if (state.latest[i]!.call.sid === ev.call.sid) {
      at = i;
      break;
    }
  }
  const wasShown = at >= 0;
  if (wasShown) state.latest.splice(at, 1);
  // A correction stays where its call's end time puts it, marked "updated".
  state.latest.push({ call: ev.call, fresh: true, updated: ev.type === 'callUpdated' });
  state.latest.sort(byEnd);
  if (state.latest.length > 200) state.latest.length = 200;
  if (state.feed) state.feed.lastEventAt = Date.now();
  renderLatest();
  renderFooter();
}

function onStats(e: MessageEvent<string>): void {
  touch();
  const msg = JSON.parse(e.data) as WallboardStatsMessage;
  state.stats = msg.stats;
  state.feed = msg.feed;
  renderAll();
}

function open(): void {
  if (reopenTimer) {
    clearTimeout(reopenTimer);
    reopenTimer = null;
  }
  if (source) source.close();
  state.opens += 1;
  state.openedAt = Date.now();
  // A new EventSource cannot send Last-Event-ID itself: the id goes in the query instead.
  const es = new EventSource(`/events${state.lastId ? `?lastEventId=${encodeURIComponent(state.lastId)}` : ''}`);
  source = es;
  es.onopen = () => {
    state.connected = true;
    touch();
    renderStatus();
  };
  es.onerror = () => {
    state.connected = false;
    state.reconnects += 1;
    renderStatus();
    // CONNECTING means the browser retries on its own (with Last-Event-ID); CLOSED means it gave up.
    if (es.readyState === EventSource.CLOSED && !reopenTimer) reopenTimer = setTimeout(open, state.config.retryMs);
  };
  es.addEventListener('snapshot', onSnapshot as EventListener);
  es.addEventListener('call', onCall as EventListener);
  es.addEventListener('stats', onStats as EventListener);
  es.addEventListener('heartbeat', touch);
}

function tick(): void {
  const now = Date.now();
  if (state.stats) text('clock', clock(now, true));
  // A feed that went silent (a link held half-open), or a reconnect that hangs, is reopened.
  const limit = state.config.heartbeatMs * 2.5;
  if (now - state.lastMessageAt > limit && now - state.openedAt > limit) {
    if (state.connected) state.reconnects += 1;
    state.connected = false;
    renderStatus();
    open();
  }
}

function start(): void {
  applyTheme();
  open();
  setInterval(tick, 250);
}
if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
