/**
 * The wallboard page: HTML, CSS and the browser script, as strings so that the bundle carries
 * them and the page needs no network beyond its own server (no CDN, no fonts, no images).
 *
 * The page renders what the server computes (`stats`) and applies call events to its list of
 * latest calls. It tracks the sequence numbers it received, so that a lost or repeated event is
 * visible (`window.wallboard`), not silently papered over.
 */

export const wallboardHtml = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Wallboard</title>
<link rel="stylesheet" href="/wallboard.css">
<script src="/wallboard.js" defer></script>
</head>
<body>
<header class="top">
  <h1 id="title" data-testid="title">Calls</h1>
  <div class="clock"><span id="clock" data-testid="clock">--:--</span><span id="day" class="day"></span></div>
  <div id="status" class="status status-connecting" data-testid="status" data-state="connecting"><span class="dot"></span><span id="status-text">Connecting…</span></div>
</header>
<main>
  <section class="tiles">
    <article class="tile tile-ok">
      <h2>Completed today</h2>
      <div class="big" id="today-completed" data-testid="today-completed">0</div>
      <div class="sub">last 15 min <b id="m15-completed" data-testid="m15-completed">0</b></div>
    </article>
    <article class="tile tile-bad">
      <h2>Failed today</h2>
      <div class="big" id="today-failed" data-testid="today-failed">0</div>
      <div class="sub">last 15 min <b id="m15-failed" data-testid="m15-failed">0</b></div>
    </article>
    <article class="tile">
      <h2>Average talk time</h2>
      <div class="big" id="today-talk" data-testid="today-talk">–</div>
      <div class="sub">last 15 min <b id="m15-talk" data-testid="m15-talk">–</b></div>
    </article>
    <article class="tile">
      <h2>Spend today</h2>
      <div class="big" id="today-spend" data-testid="today-spend">0</div>
      <div class="sub">last 15 min <b id="m15-spend" data-testid="m15-spend">0</b></div>
    </article>
  </section>
  <section class="middle">
    <article class="panel chart-panel">
      <h2>Calls a minute, last hour <span class="legend"><i class="sw sw-ok"></i>completed <i class="sw sw-bad"></i>failed</span></h2>
      <div id="chart" class="chart" data-testid="chart"></div>
    </article>
    <article class="panel breakdown-panel">
      <h2>Failed by status</h2>
      <table class="breakdown" data-testid="breakdown">
        <thead><tr><th></th><th>today</th><th>15 min</th></tr></thead>
        <tbody>
          <tr><td><span class="pill pill-busy">busy</span></td><td id="today-busy" data-testid="today-busy">0</td><td id="m15-busy" data-testid="m15-busy">0</td></tr>
          <tr><td><span class="pill pill-no-answer">no answer</span></td><td id="today-no-answer" data-testid="today-no-answer">0</td><td id="m15-no-answer" data-testid="m15-no-answer">0</td></tr>
          <tr><td><span class="pill pill-failed">failed</span></td><td id="today-failed-status" data-testid="today-failed-status">0</td><td id="m15-failed-status" data-testid="m15-failed-status">0</td></tr>
          <tr><td><span class="pill pill-canceled">canceled</span></td><td id="today-canceled" data-testid="today-canceled">0</td><td id="m15-canceled" data-testid="m15-canceled">0</td></tr>
        </tbody>
      </table>
    </article>
  </section>
  <section class="panel latest-panel">
    <h2>Latest calls</h2>
    <table class="latest">
      <thead><tr><th>ended</th><th>status</th><th>direction</th><th>customer</th><th>ExoPhone</th><th class="num">talk</th><th class="num">price</th></tr></thead>
      <tbody id="latest" data-testid="latest"></tbody>
    </table>
  </section>
</main>
<footer class="foot"><span id="events" data-testid="events">0 events since this page opened</span><span id="last-event">no call event yet</span><span id="feed-detail"></span></footer>
</body>
</html>
`;

export const wallboardCss = `:root {
  --bg: #0b1220; --panel: #121b2e; --line: #22304d; --text: #e6ecf7; --muted: #8a9ab8;
  --ok: #2ecc71; --bad: #ff5c5c; --warn: #f5a623; --idle: #7f8c8d; --accent: #4da3ff;
  font-family: "DejaVu Sans", "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
}
* { box-sizing: border-box; }
html, body { margin: 0; height: 100%; background: var(--bg); color: var(--text); overflow: hidden; }
body { display: flex; flex-direction: column; padding: 1.2vw 1.6vw; gap: 1vw; height: 100vh; }
h1 { margin: 0; font-size: 2.2vw; font-weight: 700; letter-spacing: .02em; }
h2 { margin: 0 0 .6vw; font-size: .95vw; font-weight: 600; color: var(--muted); text-transform: uppercase; letter-spacing: .08em; }
.top { display: flex; align-items: center; gap: 2vw; }
.top h1 { flex: 1; }
.clock { display: flex; flex-direction: column; align-items: flex-end; font-variant-numeric: tabular-nums; }
#clock { font-size: 2vw; font-weight: 600; }
.day { color: var(--muted); font-size: .9vw; }
.status { display: flex; align-items: center; gap: .5vw; padding: .45vw 1vw; border-radius: 999px; font-weight: 700; font-size: 1vw; text-transform: uppercase; letter-spacing: .06em; border: 2px solid currentColor; }
.status .dot { width: .8vw; height: .8vw; border-radius: 50%; background: currentColor; }
.status-live { color: var(--ok); }
.status-live .dot { animation: pulse 1.6s infinite; }
.status-connecting, .status-reconnecting, .status-retrying { color: var(--warn); }
.status-down { color: var(--bad); }
.status-stopped { color: var(--idle); }
@keyframes pulse { 0% { opacity: 1; } 50% { opacity: .25; } 100% { opacity: 1; } }
main { flex: 1; display: flex; flex-direction: column; gap: 1vw; min-height: 0; }
.latest-panel { flex: 1; min-height: 0; overflow: hidden; }
.tiles { display: grid; grid-template-columns: repeat(4, 1fr); gap: 1vw; }
.tile, .panel { background: var(--panel); border: 1px solid var(--line); border-radius: .8vw; padding: 1vw 1.2vw; }
.tile .big { font-size: 4.4vw; font-weight: 800; line-height: 1.05; font-variant-numeric: tabular-nums; }
.tile .sub { color: var(--muted); font-size: 1vw; margin-top: .3vw; }
.tile .sub b { color: var(--text); font-variant-numeric: tabular-nums; }
.tile .big.long { font-size: 3vw; line-height: 1.5; }
.tile-ok .big { color: var(--ok); }
.tile-bad .big { color: var(--bad); }
.middle { display: grid; grid-template-columns: 3fr 1fr; gap: 1vw; }
.legend { float: right; text-transform: none; letter-spacing: 0; font-weight: 400; }
.sw { display: inline-block; width: .8vw; height: .8vw; margin: 0 .3vw 0 .8vw; border-radius: 2px; vertical-align: middle; }
.sw-ok { background: var(--ok); } .sw-bad { background: var(--bad); }
.chart svg { width: 100%; height: 15vw; display: block; }
.chart .axis { fill: var(--muted); font-size: 11px; }
.chart .grid { stroke: var(--line); stroke-width: 1; }
.chart .bar-ok { fill: var(--ok); } .chart .bar-bad { fill: var(--bad); }
table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
th { text-align: left; color: var(--muted); font-weight: 600; font-size: .8vw; text-transform: uppercase; letter-spacing: .06em; padding: .3vw .5vw; border-bottom: 1px solid var(--line); }
td { padding: .35vw .5vw; font-size: 1.05vw; border-bottom: 1px solid rgba(34,48,77,.5); }
.breakdown td { font-size: 1.4vw; }
.breakdown td + td, .breakdown th + th { text-align: right; }
.num { text-align: right; }
.pill { display: inline-block; padding: .1vw .6vw; border-radius: 999px; font-size: .85vw; font-weight: 700; text-transform: uppercase; letter-spacing: .04em; }
.pill-completed { background: rgba(46,204,113,.18); color: var(--ok); }
.pill-busy { background: rgba(245,166,35,.18); color: var(--warn); }
.pill-no-answer { background: rgba(77,163,255,.18); color: var(--accent); }
.pill-failed { background: rgba(255,92,92,.18); color: var(--bad); }
.pill-canceled { background: rgba(127,140,141,.25); color: #b8c2c4; }
.latest tr.fresh td { animation: fresh 2s ease-out; }
@keyframes fresh { from { background: rgba(77,163,255,.25); } to { background: transparent; } }
.updated { color: var(--accent); font-size: .75vw; margin-left: .4vw; }
.foot { display: flex; gap: 2vw; color: var(--muted); font-size: .85vw; }
`;

// Plain ES2017 for any TV browser; no template literals so that this file stays one TS string.
export const wallboardScript = `(function () {
  'use strict';
  var state = {
    config: { title: 'Calls', currency: 'INR', heartbeatMs: 15000, locale: 'en-IN', retryMs: 2000 },
    stats: null, feed: null, latest: [], lastSeq: 0, lastId: null,
    receivedSeqs: [], duplicates: 0, gaps: 0, snapshots: 0, reconnects: 0, opens: 0,
    connected: false, lastMessageAt: Date.now(), openedAt: Date.now()
  };
  window.wallboard = state;
  var source = null;
  var reopenTimer = null;
  var fmtCache = {};

  function $(id) { return document.getElementById(id); }
  function fmt(key, make) { if (!fmtCache[key]) fmtCache[key] = make(); return fmtCache[key]; }
  function tz() { return state.stats ? state.stats.timeZone : undefined; }
  function int(n) { return fmt('int', function () { return new Intl.NumberFormat(state.config.locale); }).format(n); }
  function money(n) {
    return fmt('money', function () {
      return new Intl.NumberFormat(state.config.locale, { style: 'currency', currency: state.config.currency, minimumFractionDigits: 2, maximumFractionDigits: 2 });
    }).format(n);
  }
  function clock(ms, seconds) {
    var key = 'clock' + (seconds ? 's' : '') + tz();
    return fmt(key, function () {
      var o = { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: tz() };
      if (seconds) o.second = '2-digit';
      return new Intl.DateTimeFormat(state.config.locale, o);
    }).format(new Date(ms));
  }
  function mmss(seconds) {
    if (seconds === null || seconds === undefined) return '–';
    var s = Math.round(seconds);
    var m = Math.floor(s / 60);
    var r = s % 60;
    return m + ':' + (r < 10 ? '0' : '') + r;
  }
  function text(id, value) { var el = $(id); if (el && el.textContent !== value) el.textContent = value; }
  function big(id, value) {
    text(id, value);
    // Long amounts shrink instead of spilling out of their tile.
    var el = $(id);
    if (el) el.classList.toggle('long', value.length > 9);
  }

  function renderStatus() {
    var s, label;
    var feed = state.feed ? state.feed.state : 'live';
    if (!state.connected) { s = state.opens > 1 || state.reconnects > 0 ? 'reconnecting' : 'connecting'; label = s === 'reconnecting' ? 'Reconnecting…' : 'Connecting…'; }
    else if (feed === 'down') { s = 'down'; label = 'Feed down'; }
    else if (feed === 'stopped') { s = 'stopped'; label = 'Feed stopped'; }
    else if (feed === 'retrying') { s = 'retrying'; label = 'Feed retrying'; }
    else { s = 'live'; label = 'Live'; }
    var el = $('status');
    el.className = 'status status-' + s;
    el.setAttribute('data-state', s);
    text('status-text', label);
    var detail = '';
    if (state.feed && state.feed.lastError) detail = 'last error ' + state.feed.lastError.code + (state.feed.lastError.status ? ' (' + state.feed.lastError.status + ')' : '') + ' at ' + clock(state.feed.lastError.at, true);
    text('feed-detail', detail);
  }

  function renderTotals(prefix, t) {
    var set = prefix === 'today' ? big : text;
    set(prefix + '-completed', int(t.completed));
    set(prefix + '-failed', int(t.failed));
    set(prefix + '-talk', mmss(t.averageTalkSeconds));
    set(prefix + '-spend', money(t.spend));
    text(prefix + '-busy', int(t.byStatus.busy));
    text(prefix + '-no-answer', int(t.byStatus['no-answer']));
    text(prefix + '-failed-status', int(t.byStatus.failed));
    text(prefix + '-canceled', int(t.byStatus.canceled));
  }

  var SVG = 'http://www.w3.org/2000/svg';
  function node(name, attrs, content) {
    var el = document.createElementNS(SVG, name);
    for (var k in attrs) el.setAttribute(k, String(attrs[k]));
    if (content !== undefined) el.textContent = content;
    return el;
  }
  function renderChart(bars) {
    var W = 960, H = 240, L = 34, B = 22, T = 8, R = 6;
    var max = 0;
    for (var i = 0; i < bars.length; i++) max = Math.max(max, bars[i].completed + bars[i].failed);
    var top = Math.max(4, Math.ceil(max / 4) * 4);
    var svg = node('svg', { viewBox: '0 0 ' + W + ' ' + H, preserveAspectRatio: 'none', role: 'img', 'aria-label': 'calls a minute over the last hour' });
    for (var g = 0; g <= 4; g++) {
      var y = T + (H - T - B) * (1 - g / 4);
      svg.appendChild(node('line', { x1: L, x2: W - R, y1: y, y2: y, 'class': 'grid' }));
      svg.appendChild(node('text', { x: L - 6, y: y + 4, 'text-anchor': 'end', 'class': 'axis' }, String(top * g / 4)));
    }
    var slot = (W - L - R) / bars.length;
    for (var j = 0; j < bars.length; j++) {
      var b = bars[j];
      var x = L + j * slot + 1;
      var hOk = (H - T - B) * b.completed / top;
      var hBad = (H - T - B) * b.failed / top;
      var base = H - B;
      var rOk = node('rect', { x: x, y: base - hOk, width: Math.max(1, slot - 2), height: hOk, 'class': 'bar-ok' });
      rOk.setAttribute('data-minute', String(b.start));
      rOk.setAttribute('data-completed', String(b.completed));
      rOk.setAttribute('data-failed', String(b.failed));
      svg.appendChild(rOk);
      if (hBad > 0) svg.appendChild(node('rect', { x: x, y: base - hOk - hBad, width: Math.max(1, slot - 2), height: hBad, 'class': 'bar-bad' }));
      if (j % 15 === 0 || j === bars.length - 1) {
        var last = j === bars.length - 1;
        svg.appendChild(node('text', { x: last ? W - R : x + slot / 2, y: H - 6, 'text-anchor': last ? 'end' : 'middle', 'class': 'axis' }, clock(b.start, false)));
      }
    }
    var holder = $('chart');
    holder.textContent = '';
    holder.appendChild(svg);
  }

  function renderLatest() {
    var body = $('latest');
    body.textContent = '';
    var count = state.stats ? state.stats.latest.length : 12;
    var list = state.latest.slice(0, Math.max(count, 1));
    for (var i = 0; i < list.length; i++) {
      var c = list[i].call;
      var tr = document.createElement('tr');
      tr.setAttribute('data-sid', c.sid);
      if (list[i].fresh) { tr.className = 'fresh'; list[i].fresh = false; }
      var cells = [
        clock(c.at, true), null, c.direction || '–', c.customer || '–', c.exophone || '–',
        c.status === 'completed' ? mmss(c.talkSeconds) : '–', c.price === null ? '–' : money(c.price)
      ];
      for (var k = 0; k < cells.length; k++) {
        var td = document.createElement('td');
        if (k === 1) {
          var pill = document.createElement('span');
          pill.className = 'pill pill-' + c.status;
          pill.textContent = c.status;
          td.appendChild(pill);
          if (list[i].updated) {
            var u = document.createElement('span');
            u.className = 'updated';
            u.textContent = 'updated';
            td.appendChild(u);
          }
        } else {
          td.textContent = cells[k];
        }
        if (k >= 5) td.className = 'num';
        tr.appendChild(td);
      }
      body.appendChild(tr);
    }
  }

  function renderAll() {
    text('title', state.config.title);
    document.title = state.config.title + ' · wallboard';
    if (state.stats) {
      renderTotals('today', state.stats.today);
      renderTotals('m15', state.stats.last15Minutes);
      renderChart(state.stats.perMinute);
      text('day', state.stats.day);
    }
    renderLatest();
    renderStatus();
    renderFooter();
  }

  function renderFooter() {
    text('events', int(state.receivedSeqs.length) + ' events since this page opened' + (state.snapshots > 1 ? ' · ' + state.snapshots + ' snapshots' : ''));
    var last = state.feed && state.feed.lastEventAt;
    text('last-event', last ? 'last call event at ' + clock(last, true) : 'no call event yet');
  }

  function touch() { state.lastMessageAt = Date.now(); }

  function onSnapshot(e) {
    touch();
    var snap = JSON.parse(e.data);
    state.snapshots += 1;
    state.config = snap.config;
    fmtCache = {};
    state.stats = snap.stats;
    state.feed = snap.feed;
    state.lastSeq = snap.seq;
    state.lastId = e.lastEventId || state.lastId;
    state.latest = snap.stats.latest.map(function (c) { return { call: c, fresh: false, updated: false }; });
    renderAll();
  }

  function onCall(e) {
    touch();
    var ev = JSON.parse(e.data);
    state.lastId = e.lastEventId || state.lastId;
    if (ev.seq <= state.lastSeq) { state.duplicates += 1; return; }
    if (ev.seq !== state.lastSeq + 1) state.gaps += 1;
    state.lastSeq = ev.seq;
    state.receivedSeqs.push(ev.seq);
    var at = -1;
    for (var i = 0; i < state.latest.length; i++) if (state.latest[i].call.sid === ev.call.sid) { at = i; break; }
    if (ev.type === 'callUpdated' && at >= 0) {
      state.latest[at] = { call: ev.call, fresh: true, updated: true };
    } else {
      if (at >= 0) state.latest.splice(at, 1);
      state.latest.unshift({ call: ev.call, fresh: true, updated: ev.type === 'callUpdated' });
      if (state.latest.length > 200) state.latest.length = 200;
    }
    if (state.feed) state.feed.lastEventAt = Date.now();
    renderLatest();
    renderFooter();
  }

  function onStats(e) {
    touch();
    var msg = JSON.parse(e.data);
    state.stats = msg.stats;
    state.feed = msg.feed;
    renderAll();
  }

  function open() {
    if (reopenTimer) { clearTimeout(reopenTimer); reopenTimer = null; }
    if (source) source.close();
    state.opens += 1;
    state.openedAt = Date.now();
    // A new EventSource cannot send Last-Event-ID itself: the id goes in the query instead.
    var url = '/events' + (state.lastId ? '?lastEventId=' + encodeURIComponent(state.lastId) : '');
    var es = new EventSource(url);
    source = es;
    es.onopen = function () { state.connected = true; touch(); renderStatus(); };
    es.onerror = function () {
      state.connected = false;
      state.reconnects += 1;
      renderStatus();
      // CONNECTING means the browser retries on its own (with Last-Event-ID); CLOSED means it gave up.
      if (es.readyState === 2 && !reopenTimer) reopenTimer = setTimeout(open, state.config.retryMs);
    };
    es.addEventListener('snapshot', onSnapshot);
    es.addEventListener('call', onCall);
    es.addEventListener('stats', onStats);
    es.addEventListener('heartbeat', touch);
  }

  function tick() {
    var now = Date.now();
    if (state.stats) text('clock', clock(now, true));
    // A feed that went silent (a link held half-open), or a reconnect that hangs, is reopened.
    var limit = state.config.heartbeatMs * 2.5;
    if (now - state.lastMessageAt > limit && now - state.openedAt > limit) {
      if (state.connected) state.reconnects += 1;
      state.connected = false;
      renderStatus();
      open();
    }
  }

  function start() {
    open();
    setInterval(tick, 250);
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start); else start();
})();
`;
