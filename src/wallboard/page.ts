/**
 * The wallboard page's HTML and CSS, as strings so that the bundle carries them and the page needs
 * no network beyond its own server (no CDN, no fonts, no images). The script is TypeScript in
 * `browser/main.ts` (see `browserScript.ts`).
 *
 * Laid out for a TV across a room: a 16:9 screen, numbers sized by the viewport, the latest calls
 * in a column of their own that always fits its rows; a dark and a light theme.
 */

export const wallboardHtml = `<!doctype html>
<html lang="en" data-theme="dark">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="color-scheme" content="dark light">
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
<main class="board">
  <div class="left">
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
      <article class="tile tile-accent">
        <h2>Answer rate</h2>
        <div class="big" id="today-answer-rate" data-testid="today-answer-rate">–</div>
        <div class="sub">last 15 min <b id="m15-answer-rate" data-testid="m15-answer-rate">–</b></div>
      </article>
      <article class="tile">
        <h2>Average talk</h2>
        <div class="big" id="today-talk" data-testid="today-talk">–</div>
        <div class="sub">last 15 min <b id="m15-talk" data-testid="m15-talk">–</b></div>
      </article>
      <article class="tile">
        <h2>Spend today</h2>
        <div class="big" id="today-spend" data-testid="today-spend">0</div>
        <div class="sub">last 15 min <b id="m15-spend" data-testid="m15-spend">0</b></div>
      </article>
    </section>
    <section class="charts">
      <article class="panel">
        <h2>Calls a minute, last hour <span class="legend"><i class="sw sw-ok"></i>completed <i class="sw sw-bad"></i>failed</span></h2>
        <div id="chart" class="chart" data-testid="chart"></div>
      </article>
      <article class="panel">
        <h2>Busiest hours today</h2>
        <div id="hours" class="chart" data-testid="hours"></div>
        <div id="busiest" class="caption" data-testid="busiest">no calls yet today</div>
      </article>
    </section>
    <section class="breakdowns">
      <article class="panel">
        <h2>By line (ExoPhone), today</h2>
        <table class="groups"><thead><tr><th>line</th><th></th><th class="num">calls</th><th class="num">% ans.</th></tr></thead>
        <tbody id="lines" data-testid="lines"></tbody></table>
      </article>
      <article class="panel">
        <h2>By direction, today</h2>
        <table class="groups"><thead><tr><th>direction</th><th></th><th class="num">calls</th><th class="num">% ans.</th></tr></thead>
        <tbody id="directions" data-testid="directions"></tbody></table>
      </article>
      <article class="panel">
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
  </div>
  <section class="panel latest-panel" data-testid="latest-panel">
    <h2>Latest calls</h2>
    <table class="latest">
      <thead><tr><th>ended</th><th>status</th><th></th><th>customer</th><th class="num">talk</th></tr></thead>
      <tbody id="latest" data-testid="latest"></tbody>
    </table>
  </section>
</main>
<footer class="foot"><span id="events" data-testid="events">0 events since this page opened</span><span id="last-event">no call event yet</span><span id="feed-detail"></span></footer>
</body>
</html>
`;

export const wallboardCss = `:root, [data-theme="dark"] {
  --bg: #0b1220; --panel: #121b2e; --line: #22304d; --text: #e6ecf7; --muted: #93a3c0;
  --ok: #2ecc71; --bad: #ff5c5c; --warn: #f5a623; --idle: #7f8c8d; --accent: #4da3ff; --bar: #2a3a5c;
  --ok-soft: rgba(46,204,113,.18); --bad-soft: rgba(255,92,92,.18); --warn-soft: rgba(245,166,35,.18); --accent-soft: rgba(77,163,255,.18); --idle-soft: rgba(127,140,141,.25);
}
[data-theme="light"] {
  --bg: #eef1f6; --panel: #ffffff; --line: #cfd6e3; --text: #0f172a; --muted: #4b5a75;
  --ok: #12813f; --bad: #c62828; --warn: #a85f00; --idle: #5f6b6d; --accent: #1d64c4; --bar: #c9d3e4;
  --ok-soft: rgba(18,129,63,.14); --bad-soft: rgba(198,40,40,.12); --warn-soft: rgba(168,95,0,.14); --accent-soft: rgba(29,100,196,.12); --idle-soft: rgba(95,107,109,.15);
}
:root { font-family: "DejaVu Sans", "Segoe UI", Roboto, Helvetica, Arial, sans-serif; }
* { box-sizing: border-box; }
html, body { margin: 0; height: 100%; background: var(--bg); color: var(--text); overflow: hidden; }
body { display: flex; flex-direction: column; padding: 1.2vh 1.4vw; gap: 1.2vh; height: 100vh; }
h1 { margin: 0; font-size: clamp(20px, 4vh, 64px); font-weight: 700; letter-spacing: .02em; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
h2 { margin: 0 0 .8vh; font-size: clamp(11px, 1.7vh, 26px); font-weight: 600; color: var(--muted); text-transform: uppercase; letter-spacing: .08em; }
.top { display: flex; align-items: center; gap: 2vw; }
.top h1 { flex: 1; min-width: 0; }
.clock { display: flex; flex-direction: column; align-items: flex-end; font-variant-numeric: tabular-nums; }
#clock { font-size: clamp(18px, 3.6vh, 56px); font-weight: 600; }
.day { color: var(--muted); font-size: clamp(10px, 1.6vh, 24px); }
.status { display: flex; align-items: center; gap: .6vw; padding: .6vh 1.2vw; border-radius: 999px; font-weight: 800; font-size: clamp(12px, 2.2vh, 34px); text-transform: uppercase; letter-spacing: .06em; border: 3px solid currentColor; white-space: nowrap; }
.status .dot { width: 1.4vh; height: 1.4vh; border-radius: 50%; background: currentColor; }
.status-live { color: var(--ok); }
.status-live .dot { animation: pulse 1.6s infinite; }
.status-connecting, .status-reconnecting, .status-retrying, .status-catching-up { color: var(--warn); }
.status-catching-up .dot { animation: pulse .8s infinite; }
.status-down { color: var(--bad); }
.status-stopped { color: var(--idle); }
@keyframes pulse { 0% { opacity: 1; } 50% { opacity: .25; } 100% { opacity: 1; } }
.board { flex: 1; display: grid; grid-template-columns: minmax(0, 2fr) minmax(0, 1fr); gap: 1vw; min-height: 0; }
.left { display: grid; grid-template-rows: auto minmax(0, 1.1fr) minmax(0, 1fr); gap: 1.2vh; min-height: 0; }
.tiles { display: grid; grid-template-columns: repeat(5, minmax(0, 1fr)); gap: .8vw; }
.tile, .panel { background: var(--panel); border: 1px solid var(--line); border-radius: 1vh; padding: 1.2vh 1vw; min-height: 0; overflow: hidden; }
.tile h2 { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; font-size: clamp(10px, 1.45vh, 24px); letter-spacing: .03em; }
/* Sized by the tile's width (a fifth of two thirds of the screen) as much as by the height. */
.tile .big { font-size: clamp(24px, min(7vh, 3.1vw), 140px); font-weight: 800; line-height: 1.1; font-variant-numeric: tabular-nums; white-space: nowrap; }
.tile .big.long { font-size: clamp(16px, min(4.4vh, 1.95vw), 90px); line-height: 1.65; }
.tile .sub { color: var(--muted); font-size: clamp(11px, 1.8vh, 28px); margin-top: .4vh; }
.tile .sub b { color: var(--text); font-variant-numeric: tabular-nums; }
.tile-ok .big { color: var(--ok); }
.tile-bad .big { color: var(--bad); }
.tile-accent .big { color: var(--accent); }
.charts { display: grid; grid-template-columns: minmax(0, 1.8fr) minmax(0, 1fr); gap: .8vw; min-height: 0; }
.charts .panel { display: flex; flex-direction: column; }
.breakdowns { display: grid; grid-template-columns: minmax(0, 1.45fr) minmax(0, 1.05fr) minmax(0, .85fr); gap: .8vw; min-height: 0; }
.legend { float: right; text-transform: none; letter-spacing: 0; font-weight: 400; }
.sw { display: inline-block; width: 1.2vh; height: 1.2vh; margin: 0 .3vw 0 .8vw; border-radius: 2px; vertical-align: middle; }
.sw-ok { background: var(--ok); } .sw-bad { background: var(--bad); }
.chart { flex: 1; min-height: 0; }
.chart svg { width: 100%; height: 100%; display: block; }
.chart .axis { fill: var(--muted); font-size: 12px; }
.chart .grid { stroke: var(--line); stroke-width: 1; }
.chart .bar-ok { fill: var(--ok); } .chart .bar-bad { fill: var(--bad); }
.chart .hour-bar { fill: var(--bar); } .chart .hour-bar.busiest { fill: var(--accent); }
.caption { color: var(--muted); font-size: clamp(11px, 1.8vh, 28px); margin-top: .6vh; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
th { text-align: left; color: var(--muted); font-weight: 600; font-size: clamp(10px, 1.4vh, 22px); text-transform: uppercase; letter-spacing: .06em; padding: .4vh .3vw; border-bottom: 1px solid var(--line); white-space: nowrap; }
td { padding: .45vh .3vw; font-size: clamp(12px, 2vh, 32px); border-bottom: 1px solid var(--line); white-space: nowrap; }
.groups { table-layout: fixed; }
.groups th:nth-child(1) { width: 46%; } .groups th:nth-child(2) { width: 14%; } .groups th:nth-child(3) { width: 22%; } .groups th:nth-child(4) { width: 18%; }
.groups td { overflow: hidden; text-overflow: ellipsis; }
.hbar { display: block; height: 1.4vh; background: var(--bad); border-radius: 2px; min-width: 2px; }
.hbar-ok { display: block; height: 100%; background: var(--ok); border-radius: 2px 0 0 2px; }
.groups tr.empty td { color: var(--muted); }
.breakdown td { font-size: clamp(12px, 2.2vh, 34px); }
.breakdown td + td, .breakdown th + th { text-align: right; }
.num { text-align: right; }
.pill { display: inline-block; padding: .15vh .45vw; border-radius: 999px; font-size: .72em; font-weight: 700; }
.pill-completed { background: var(--ok-soft); color: var(--ok); }
.pill-busy { background: var(--warn-soft); color: var(--warn); }
.pill-no-answer { background: var(--accent-soft); color: var(--accent); }
.pill-failed { background: var(--bad-soft); color: var(--bad); }
.pill-canceled { background: var(--idle-soft); color: var(--idle); }
.latest-panel { display: flex; flex-direction: column; }
.latest { table-layout: fixed; }
.latest th:nth-child(1) { width: 21%; }
.latest th:nth-child(2) { width: 27%; }
.latest th:nth-child(3) { width: 6%; }
.latest th:nth-child(4) { width: 34%; }
.latest th:nth-child(5) { width: 12%; }
.latest td:nth-child(3) { text-align: center; }
.latest td { font-size: clamp(12px, 2vh, 36px); padding: 1.35vh .3vw; overflow: hidden; text-overflow: ellipsis; font-variant-numeric: tabular-nums; }
.latest tr.fresh td { animation: fresh 2s ease-out; }
@keyframes fresh { from { background: var(--accent-soft); } to { background: transparent; } }
.updated { color: var(--accent); font-size: .8em; margin-left: .3vw; }
.foot { display: flex; gap: 2vw; color: var(--muted); font-size: clamp(10px, 1.5vh, 22px); }
`;
