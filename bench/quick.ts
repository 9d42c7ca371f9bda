import { runScenario } from './runScenario.js';
const [poller, rate, hours] = process.argv.slice(2);
const r = await runScenario({ poller: poller as 'ours', callsPerMinute: Number(rate), hours: Number(hours ?? 1), warmupMs: 20 * 60_000, graceMs: 10 * 60_000, seed: 1, behindMs: 10 * 60_000, log: console.log });
console.log(JSON.stringify(r, null, 1));
