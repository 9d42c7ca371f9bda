import { runCpu } from './cpu.js';
console.log(await runCpu());
