/**
 * The rows of RELIABILITY.md, written by the fault tests themselves so that the table cannot drift
 * from what the code does.
 *
 * Each fault test measures its row (calls expected, lost, duplicated, emitted early, what the user
 * saw) and calls `reportFault(row)`:
 * - under `npm run reliability` (`RELIABILITY_OUT` set), the row is appended to that file, and
 *   `scripts/reliability.ts` writes RELIABILITY.md from the rows;
 * - in every other run (`npm test`), the row is compared with the one in RELIABILITY.md, and the
 *   test fails when they differ: the table is out of date, or the behaviour changed.
 * Rows from real processes on real time (`deterministic: false`) vary in how many calls they
 * see and when a kill lands: for them only the fault, `lost`, `early`, the command and the codes
 * the user saw are compared.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface FaultRow {
  /** Stable key, also the table's order (`store.enospc`, `http.gzip`, …). */
  id: string;
  fault: string;
  injected: string;
  duration: string;
  /** Calls that had to be emitted; null where the fault stops the stream before any call is due. */
  expected: number | null;
  lost: number | null;
  duplicated: number | null;
  early: number | null;
  /** The error codes and messages the user saw, summarized (`summarizeErrors`). */
  userSaw: string;
  /** The test that measures the row. */
  file: string;
  test: string;
  deterministic: boolean;
}

export const REPORT_PATH = fileURLToPath(new URL('../../RELIABILITY.md', import.meta.url));
export const COLUMNS = ['id', 'fault', 'how it was injected', 'for how long', 'calls expected', 'lost', 'duplicated', 'emitted early', 'what the user saw', 'command'] as const;

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const num = (n: number | null) => (n === null ? '—' : String(n));
export const commandOf = (row: Pick<FaultRow, 'file' | 'test'>) => `\`npx vitest run ${row.file} -t ${JSON.stringify(row.test)}\``;

/** The markdown line of a row, as RELIABILITY.md holds it. */
export function rowLine(row: FaultRow): string {
  const values = [
    row.id + (row.deterministic ? '' : ' †'),
    row.fault,
    row.injected,
    row.duration,
    num(row.expected),
    num(row.lost),
    num(row.duplicated),
    num(row.early),
    row.userSaw,
    commandOf(row),
  ];
  return `| ${values.map(cell).join(' | ')} |`;
}

/** Splits a table line into its cells (`\|` is a literal bar). */
export function cellsOf(line: string): string[] {
  const inner = line.trim().replace(/^\|/, '').replace(/\|$/, '');
  const cells: string[] = [];
  let current = '';
  for (let i = 0; i < inner.length; i++) {
    if (inner[i] === '\\' && inner[i + 1] === '|') {
      current += '|';
      i++;
    } else if (inner[i] === '|') {
      cells.push(current.trim());
      current = '';
    } else {
      current += inner[i];
    }
  }
  cells.push(current.trim());
  return cells;
}

let table: Map<string, string[]> | undefined;

function readTable(): Map<string, string[]> {
  if (table) return table;
  table = new Map();
  let text = '';
  try {
    text = readFileSync(REPORT_PATH, 'utf8');
  } catch {
    return table;
  }
  for (const line of text.split('\n')) {
    if (!line.startsWith('| ')) continue;
    const cells = cellsOf(line);
    if (cells.length !== COLUMNS.length) continue;
    table.set(cells[0]!.replace(/ †$/, ''), cells);
  }
  return table;
}

/** The error codes of a `userSaw` summary, in order (`ERR_STORE ×3: …; ERR_EXOTEL_HTTP ×1: …`). */
const codesOf = (userSaw: string) => [...userSaw.matchAll(/\b(ERR_[A-Z_]+|exit \d+)/g)].map((m) => m[1]).join(',');

/**
 * Records a measured row (see the module comment). Throws, naming what differs, when RELIABILITY.md
 * says otherwise, unless the table is being written (`RELIABILITY_OUT`) or a soak runs (`SOAK`).
 */
export function reportFault(row: FaultRow): void {
  const out = process.env.RELIABILITY_OUT;
  if (out) {
    appendFileSync(out, `${JSON.stringify(row)}\n`);
    return;
  }
  if (process.env.SOAK) return;
  const cells = readTable().get(row.id);
  const hint = 'run `npm run reliability` to measure the table again, and look at what changed';
  if (cells === undefined) throw new Error(`RELIABILITY.md has no row \`${row.id}\`: ${hint}`);
  const mine = cellsOf(rowLine(row));
  const compared = row.deterministic ? [1, 2, 3, 4, 5, 6, 7, 8, 9] : [1, 5, 7, 9];
  const differ = compared.filter((i) => mine[i] !== cells[i]).map((i) => `${COLUMNS[i]}: the table says ${JSON.stringify(cells[i])}, the test measured ${JSON.stringify(mine[i])}`);
  if (!row.deterministic && codesOf(mine[8]!) !== codesOf(cells[8]!)) differ.push(`what the user saw: the table says ${JSON.stringify(cells[8])}, the test measured ${JSON.stringify(mine[8])}`);
  if (differ.length > 0) throw new Error(`RELIABILITY.md row \`${row.id}\` is out of date (${hint}):\n${differ.join('\n')}`);
}
