import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileOutbox } from '../../src/sinks/FileOutbox.js';
import { OutboxCorruptError } from '../../src/sinks/OutboxCorruptError.js';

let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'outbox-'));
  path = join(dir, 'outbox.jsonl');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const entry = (key: string) => ({ key, type: 'callCompleted', body: JSON.stringify({ id: key }) });

describe('FileOutbox', () => {
  it('keeps pending entries in order across reopen, and remembers finished keys', () => {
    const a = new FileOutbox(path);
    for (const k of ['k1', 'k2', 'k3', 'k4']) expect(a.add(entry(k))).toBe(true);
    expect(a.add(entry('k2'))).toBe(false);
    a.markDone('k1');
    a.markDead('k3', 'HTTP 400');
    a.close();
    const b = new FileOutbox(path);
    expect(b.pending).toBe(2);
    expect(b.peek()?.key).toBe('k2');
    // Delivered and dead keys are not accepted again.
    expect(b.add(entry('k1'))).toBe(false);
    expect(b.add(entry('k3'))).toBe(false);
    b.markDone('k2');
    expect(b.peek()?.key).toBe('k4');
    b.close();
  });

  it('drops a torn last line (a crash mid-write) and truncates it away', () => {
    const a = new FileOutbox(path);
    a.add(entry('k1'));
    a.close();
    appendFileSync(path, '{"op":"add","key":"k2","ty');
    const b = new FileOutbox(path);
    expect(b.pending).toBe(1);
    b.add(entry('k3'));
    b.close();
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    expect(lines.map((l) => JSON.parse(l).key)).toEqual(['k1', 'k3']);
  });

  it('refuses a file damaged in the middle instead of losing events silently', () => {
    writeFileSync(path, `${JSON.stringify({ op: 'add', ...entry('k1'), at: 1 })}\nnot json\n${JSON.stringify({ op: 'add', ...entry('k2'), at: 2 })}\n`);
    expect(() => new FileOutbox(path)).toThrow(OutboxCorruptError);
    expect(() => new FileOutbox(path)).toThrow(/line 2/);
  });

  it('compacts atomically, keeping pending entries and recent finished keys', () => {
    const a = new FileOutbox(path, { compactAfter: 10, keepDelivered: 5, fsync: false });
    for (let i = 0; i < 30; i++) a.add(entry(`k${i}`));
    for (let i = 0; i < 25; i++) a.markDone(`k${i}`);
    a.close();
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    // 25 done + 30 add lines were written; compaction left far fewer.
    expect(lines.length).toBeLessThan(30);
    const b = new FileOutbox(path);
    expect(b.pending).toBe(5);
    expect(b.peek()?.key).toBe('k25');
    expect(b.has('k24')).toBe(true);
    expect(b.add(entry('k24'))).toBe(false);
    b.close();
  });
});
